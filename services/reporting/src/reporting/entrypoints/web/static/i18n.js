// Every label of the dashboard in simplified Chinese (the default) and English.
// The choice is remembered in localStorage; t(key, vars) reads the current language.

const LABELS = {
  zh: {
    "app.title": "守护 · 关爱留守儿童数据看板",
    "app.subtitle": "结对帮扶、联系落实与风险跟进，一图掌握",
    "app.lang": "English",
    "app.loading": "正在加载…",
    "app.footer": "数据来自统计服务的只读模型；点击任一数字可查看背后的儿童名单。",
    "app.licence": "图表：Apache ECharts（Apache-2.0 许可）",
    "month.label": "统计月份",
    "month.prev": "上个月",
    "month.next": "下个月",
    "auth.title": "登录数据看板",
    "auth.intro": "请粘贴您的访问令牌（与统计接口相同的 Bearer 令牌）。令牌只保存在本浏览器标签页中，关闭即失效。",
    "auth.token": "访问令牌",
    "auth.unit": "单位编号（可选，缺省为令牌所属单位）",
    "auth.submit": "进入看板",
    "auth.signout": "退出",
    "auth.need_unit": "此令牌不属于任何单位，请填写要查看的单位编号。",
    "err.401": "令牌无效或已过期，请重新登录。",
    "err.403": "您的角色无权查看统计数据。",
    "err.404": "找不到该单位，或该单位不在您的权限范围内。",
    "err.422": "请求参数有误。",
    "err.network": "无法连接统计服务，请稍后重试。",
    "err.other": "统计服务出错（{status}）。",
    "err.charts": "图表库未能加载（服务器缺少 ECharts 文件：请运行 make install）。图表无法显示，下方数字与表格仍然可用。",
    "err.chart_off": "图表不可用",
    "unit.trail": "上级单位",
    "nav.home": "返回本单位",
    "kpi.children": "留守儿童",
    "kpi.archive": "档案完整率",
    "kpi.coverage": "结对覆盖率",
    "kpi.compliance": "本月联系完成率",
    "kpi.tasks_open": "未办结任务",
    "kpi.tasks_overdue": "逾期任务",
    "kpi.risk_high": "高风险儿童",
    "kpi.no_guardian": "无人监护儿童",
    "kpi.of_children": "占儿童 {p}",
    "kpi.vs_last": "较上月 {delta}",
    "kpi.pts": "{n} 个百分点",
    "kpi.complete": "完整 {n}",
    "kpi.incomplete": "不完整 {n}",
    "kpi.paired": "已结对 {n}",
    "kpi.unpaired": "未结对 {n}",
    "kpi.met": "已完成 {n}",
    "kpi.unmet": "未完成 {n}",
    "kpi.missed": "逾期 {n}",
    "kpi.due": "应联系 {n} 次",
    "kpi.medium": "中风险 {n}",
    "kpi.tasks_hint": "跟进任务尚未办结",
    "kpi.overdue_hint": "超过办理期限",
    "kpi.children_hint": "在册儿童",
    "panel.trend": "近 12 个月趋势",
    "panel.trend_hint": "点击某月可切换到该月",
    "panel.rank": "下级单位排名",
    "panel.rank_hint": "点击单位进入其看板；点击数字查看儿童名单",
    "panel.no_sub": "该单位没有下级单位。",
    "panel.risk": "风险等级",
    "panel.type": "留守类型",
    "panel.guardian": "监护情况",
    "panel.duty": "各项联系义务（本月）",
    "panel.no_duty": "本月没有应完成的联系义务。",
    "panel.empty": "暂无数据",
    "rank.by": "排序依据",
    "col.unit": "单位",
    "col.kind": "类型",
    "col.children": "儿童",
    "col.archive": "档案完整率",
    "col.coverage": "结对覆盖率",
    "col.compliance": "联系完成率",
    "col.tasks_open": "未办结任务",
    "col.tasks_overdue": "逾期任务",
    "col.risk_high": "高风险",
    "col.duty": "联系义务",
    "col.due": "应完成",
    "col.met": "已完成",
    "col.late": "补录",
    "col.missed": "逾期未完成",
    "col.unmet": "未完成",
    "col.rate": "完成率",
    "series.children": "儿童数",
    "series.archive": "档案完整率",
    "series.coverage": "结对覆盖率",
    "series.compliance": "联系完成率",
    "series.met": "已完成",
    "series.unmet": "未完成",
    "list.title": "{figure} · {unit}",
    "list.month": "{month}",
    "list.count": "共 {n} 名",
    "list.shown": "已显示 {n} 名",
    "list.more": "加载更多",
    "list.close": "关闭",
    "list.empty": "没有符合条件的儿童。",
    "list.name": "姓名",
    "list.class": "班级",
    "list.type": "留守类型",
    "list.guardian": "监护情况",
    "list.paired": "结对",
    "list.archive": "档案",
    "list.risk": "风险",
    "list.yes": "已结对",
    "list.no": "未结对",
    "list.complete": "完整",
    "list.missing": "缺：{what}",
    "fig.all": "全部儿童",
    "fig.paired": "已结对儿童",
    "fig.unpaired": "未结对儿童",
    "fig.archive_complete": "档案完整的儿童",
    "fig.archive_incomplete": "档案不完整的儿童",
    "fig.tasks_open": "有未办结任务的儿童",
    "fig.tasks_overdue": "有逾期任务的儿童",
    "fig.missed": "本月联系逾期未完成",
    "fig.unmet": "本月联系尚未完成",
    "fig.met": "本月联系已完成",
    "fig.type": "留守类型：{v}",
    "fig.guardian": "监护情况：{v}",
    "fig.risk": "风险等级：{v}",
    "kind.city": "市",
    "kind.district": "区/县",
    "kind.township": "乡镇/街道",
    "kind.village": "村/居",
    "kind.school": "学校",
    "kind.class": "班级",
    "lbt.both_parents": "父母双方外出",
    "lbt.father": "父亲外出",
    "lbt.mother": "母亲外出",
    "guardian.grandparent": "祖辈监护",
    "guardian.relative": "其他亲属监护",
    "guardian.none": "无人监护",
    "guardian.other": "其他",
    "risk.high": "高风险",
    "risk.medium": "中风险",
    "risk.low": "低风险",
    "contact.guardian.phone": "监护人电话",
    "contact.father.phone": "父亲电话",
    "contact.mother.phone": "母亲电话",
    "duty.helper_contact_monthly": "帮扶人每月联系儿童一次",
    "duty.helper_home_visit_half_yearly": "帮扶人每半年走访一次",
    "duty.helper_parent_feedback_monthly": "帮扶人每月向外出父母反馈",
    "duty.class_teacher_talk_monthly": "班主任每月谈心一次",
    "duty.class_teacher_parents_call_monthly": "班主任每月与家长通话",
    "duty.class_teacher_home_visit_term": "班主任每学期家访",
    "duty.school_family_talk_half_monthly": "学校每半月组织亲情沟通",
    "duty.school_family_meeting_yearly": "学校每年召开家校联谊会",
  },
  en: {
    "app.title": "Shouhu · Left-behind children dashboard",
    "app.subtitle": "Pairing, contacts and risk follow-up at a glance",
    "app.lang": "中文",
    "app.loading": "Loading…",
    "app.footer": "Figures from the reporting service's read models; click any number for the children behind it.",
    "app.licence": "Charts: Apache ECharts (Apache-2.0 licence)",
    "month.label": "Month",
    "month.prev": "Previous month",
    "month.next": "Next month",
    "auth.title": "Sign in to the dashboard",
    "auth.intro": "Paste your access token (the same bearer token as the reporting API). It is kept in this browser tab only and is gone when you close it.",
    "auth.token": "Access token",
    "auth.unit": "Unit id (optional; default: the token's unit)",
    "auth.submit": "Open the dashboard",
    "auth.signout": "Sign out",
    "auth.need_unit": "This token belongs to no unit: enter the id of the unit to show.",
    "err.401": "The token is invalid or has expired: please sign in again.",
    "err.403": "Your role may not read the reporting figures.",
    "err.404": "No such unit, or the unit is outside your scope.",
    "err.422": "The request was not valid.",
    "err.network": "The reporting service cannot be reached; please try again later.",
    "err.other": "The reporting service failed ({status}).",
    "err.charts": "The chart library did not load (the server lacks the ECharts file: run make install). Charts cannot be drawn; the figures and tables below still work.",
    "err.chart_off": "Chart unavailable",
    "unit.trail": "Units above",
    "nav.home": "Back to my unit",
    "kpi.children": "Children",
    "kpi.archive": "Archive completeness",
    "kpi.coverage": "Pairing coverage",
    "kpi.compliance": "Contact compliance this month",
    "kpi.tasks_open": "Open tasks",
    "kpi.tasks_overdue": "Overdue tasks",
    "kpi.risk_high": "High-risk children",
    "kpi.no_guardian": "Children with no guardian",
    "kpi.of_children": "{p} of the children",
    "kpi.vs_last": "{delta} on last month",
    "kpi.pts": "{n} pts",
    "kpi.complete": "complete {n}",
    "kpi.incomplete": "incomplete {n}",
    "kpi.paired": "paired {n}",
    "kpi.unpaired": "unpaired {n}",
    "kpi.met": "met {n}",
    "kpi.unmet": "not met {n}",
    "kpi.missed": "missed {n}",
    "kpi.due": "{n} contacts due",
    "kpi.medium": "medium risk {n}",
    "kpi.tasks_hint": "follow-up tasks not yet closed",
    "kpi.overdue_hint": "past their deadline",
    "kpi.children_hint": "on the register",
    "panel.trend": "The last 12 months",
    "panel.trend_hint": "Click a month to show it",
    "panel.rank": "Sub-units ranked",
    "panel.rank_hint": "Click a unit for its dashboard, a number for its children",
    "panel.no_sub": "This unit has no sub-units.",
    "panel.risk": "Risk levels",
    "panel.type": "Left-behind type",
    "panel.guardian": "Guardians",
    "panel.duty": "Contact duties this month",
    "panel.no_duty": "No contact duty is due this month.",
    "panel.empty": "No data",
    "rank.by": "Rank by",
    "col.unit": "Unit",
    "col.kind": "Kind",
    "col.children": "Children",
    "col.archive": "Archives",
    "col.coverage": "Coverage",
    "col.compliance": "Compliance",
    "col.tasks_open": "Open tasks",
    "col.tasks_overdue": "Overdue",
    "col.risk_high": "High risk",
    "col.duty": "Duty",
    "col.due": "Due",
    "col.met": "Met",
    "col.late": "Late",
    "col.missed": "Missed",
    "col.unmet": "Not met",
    "col.rate": "Rate",
    "series.children": "Children",
    "series.archive": "Archive completeness",
    "series.coverage": "Pairing coverage",
    "series.compliance": "Contact compliance",
    "series.met": "Met",
    "series.unmet": "Not met",
    "list.title": "{figure} · {unit}",
    "list.month": "{month}",
    "list.count": "{n} in all",
    "list.shown": "{n} shown",
    "list.more": "More",
    "list.close": "Close",
    "list.empty": "No child matches.",
    "list.name": "Name",
    "list.class": "Class",
    "list.type": "Left-behind type",
    "list.guardian": "Guardian",
    "list.paired": "Pairing",
    "list.archive": "Archive",
    "list.risk": "Risk",
    "list.yes": "paired",
    "list.no": "unpaired",
    "list.complete": "complete",
    "list.missing": "lacks: {what}",
    "fig.all": "All children",
    "fig.paired": "Paired children",
    "fig.unpaired": "Unpaired children",
    "fig.archive_complete": "Complete archives",
    "fig.archive_incomplete": "Incomplete archives",
    "fig.tasks_open": "Children with open tasks",
    "fig.tasks_overdue": "Children with overdue tasks",
    "fig.missed": "Contacts missed this month",
    "fig.unmet": "Contacts not yet met this month",
    "fig.met": "Contacts met this month",
    "fig.type": "Left-behind type: {v}",
    "fig.guardian": "Guardian: {v}",
    "fig.risk": "Risk: {v}",
    "kind.city": "City",
    "kind.district": "District/county",
    "kind.township": "Township/street",
    "kind.village": "Village",
    "kind.school": "School",
    "kind.class": "Class",
    "lbt.both_parents": "Both parents away",
    "lbt.father": "Father away",
    "lbt.mother": "Mother away",
    "guardian.grandparent": "Grandparents",
    "guardian.relative": "Other relatives",
    "guardian.none": "Nobody",
    "guardian.other": "Other",
    "risk.high": "High",
    "risk.medium": "Medium",
    "risk.low": "Low",
    "contact.guardian.phone": "guardian's phone",
    "contact.father.phone": "father's phone",
    "contact.mother.phone": "mother's phone",
    "duty.helper_contact_monthly": "Helper contacts the child monthly",
    "duty.helper_home_visit_half_yearly": "Helper visits the home every half year",
    "duty.helper_parent_feedback_monthly": "Helper gives the parents feedback monthly",
    "duty.class_teacher_talk_monthly": "Class teacher's monthly talk",
    "duty.class_teacher_parents_call_monthly": "Class teacher calls the parents monthly",
    "duty.class_teacher_home_visit_term": "Class teacher visits the home every term",
    "duty.school_family_talk_half_monthly": "School: family talk every half month",
    "duty.school_family_meeting_yearly": "School: family–school meeting yearly",
  },
};

const STORE = "shouhu.dashboard.lang";
let lang = readLang();

function readLang() {
  try {
    return localStorage.getItem(STORE) === "en" ? "en" : "zh";
  } catch {
    return "zh";
  }
}

/** The current language: "zh" or "en". */
export function language() {
  return lang;
}

/** Switch language and remember it. */
export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  try {
    localStorage.setItem(STORE, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
}

/** The label for a key, with {name} placeholders filled; an unknown key falls back to itself. */
export function t(key, vars = {}) {
  const text = LABELS[lang][key] ?? LABELS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A label for a code in a family (lbt, guardian, risk, kind, duty, contact), or the code itself. */
export function term(family, code) {
  const key = `${family}.${code}`;
  return key in LABELS[lang] ? LABELS[lang][key] : code;
}

/** Fill every element marked data-i18n (text) or data-i18n-title / -placeholder / -aria. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  document.title = t("app.title");
}

/** The locale for number formatting. */
export function locale() {
  return lang === "en" ? "en-GB" : "zh-CN";
}

/** A count, grouped. */
export function num(n) {
  return n === null || n === undefined ? "—" : new Intl.NumberFormat(locale()).format(n);
}

/** A share as a percentage with one decimal (half up, so the test can compute the same text). */
export function pct(r) {
  return r === null || r === undefined ? "—" : `${(Math.round(r * 1000) / 10).toFixed(1)}%`;
}

/** A month "2026-10" as the language writes it. */
export function monthText(month) {
  if (!month) return "";
  const [y, m] = month.split("-");
  return lang === "en"
    ? new Date(Date.UTC(Number(y), Number(m) - 1, 1)).toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" })
    : `${y}年${Number(m)}月`;
}

/** A short month for chart axes. */
export function monthShort(month) {
  const [y, m] = month.split("-");
  return lang === "en"
    ? new Date(Date.UTC(Number(y), Number(m) - 1, 1)).toLocaleDateString("en-GB", { month: "short", timeZone: "UTC" })
    : `${Number(m)}月`;
}
