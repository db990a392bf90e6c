"""The ``nbconnect`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _list(args: argparse.Namespace) -> int:
    from ._org import Organization

    org = Organization(path=args.store) if args.store else Organization()
    if args.env:
        org.add_from_env()
    print(f"store: {org.path}")
    if not len(org):
        print("no connections yet: add one in Python, e.g. org.add(nbconnect.OpenAI(api_key=...))")
    for conn in org:
        print(f"  {conn.name:<24} {conn.title:<18} {conn.hint:<16} ({conn.source})")
    print("models:")
    for ref in org.models():
        print(f"  {ref}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nbconnect", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="show the saved connections (secrets masked) and their models")
    p.add_argument("--store", help="store file (default: $NBCONNECT_HOME or the user config dir)")
    p.add_argument("--env", action="store_true", help="also show connections found in environment variables")
    p.set_defaults(func=_list)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
