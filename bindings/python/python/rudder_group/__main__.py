"""``python -m rudder_group``: the ``rudder-group`` command (see ``rudder_group._cli``)."""

from rudder_group._cli import main

if __name__ == "__main__":
    main()
