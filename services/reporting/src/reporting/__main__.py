"""`shouhu-reporting api|worker|init-db|dev-token|replay-dead-letters|rebuild`."""

from reporting.bootstrap import SERVICE

main = SERVICE.main

if __name__ == "__main__":
    raise SystemExit(main())
