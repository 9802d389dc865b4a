"""`shouhu-registry api|worker|init-db|dev-token|replay-dead-letters`."""

from registry.bootstrap import SERVICE

main = SERVICE.main

if __name__ == "__main__":
    raise SystemExit(main())
