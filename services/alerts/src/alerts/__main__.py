"""`shouhu-alerts api|worker|init-db|dev-token|replay-dead-letters`."""

from alerts.bootstrap import SERVICE

main = SERVICE.main

if __name__ == "__main__":
    raise SystemExit(main())
