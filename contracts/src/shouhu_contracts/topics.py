"""The topic catalogue: topic → key, event types, partitions."""

from __future__ import annotations

from dataclasses import dataclass

from shouhu_contracts.catalogue import EVENT_TYPES


@dataclass(frozen=True)
class Topic:
    """One Kafka topic and what it carries."""

    name: str
    key: str
    partitions: int
    description: str

    @property
    def event_types(self) -> list[str]:
        """The event types published on this topic."""
        return sorted(t for t, cls in EVENT_TYPES.items() if cls.topic == self.name)


# Partitions bound how far a consumer group scales out; sized for a city (ARCHITECTURE: scale).
TOPICS: tuple[Topic, ...] = (
    Topic("registry.org", "unit_id", 3, "组织架构变更 / Org tree changes"),
    Topic("registry.children", "child_id", 12, "儿童档案与成绩 / Child archives and results"),
    Topic("alerts.tasks", "child_id", 6, "跟进任务 / Follow-up tasks"),
    Topic("alerts.risk", "child_id", 6, "儿童风险等级 / Child risk levels"),
    Topic("alerts.notifications", "recipient", 3, "通知 / Notifications sent"),
    Topic("pairing.helpers", "helper_id", 3, "帮扶人 / Helpers"),
    Topic("pairing.pairings", "child_id", 12, "结对关系 / Pairings"),
    Topic("pairing.contacts", "child_id", 12, "联系记录 / Contact logs"),
    Topic("pairing.obligations", "child_id", 12, "联系义务周期 / Contact obligation windows"),
    Topic("reporting.bulletins", "month", 1, "月度通报 / Monthly bulletins"),
)

TOPICS_BY_NAME: dict[str, Topic] = {t.name: t for t in TOPICS}

DEAD_LETTER_PARTITIONS = 1


def dead_letter_topic(group_id: str) -> str:
    """One dead-letter topic per consumer group."""
    return f"dlq.{group_id}"
