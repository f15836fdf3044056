#!/usr/bin/env python3
"""Counts the handshake states a fuzz target handed to the fuzzer, from the
log its executions write with MODSSL_FUZZ_STATES=<log> (fuzz/src/states.rs),
and prints them as a table.  Exit 1, naming them, if a defined state was
reached by no input, or if an input reached a state the target does not
define (a real prefix exchange that failed, a state the list misses).

usage: check-states.py LOG TARGET"""
import sys
from collections import Counter


def main(log, target):
    defined, reached = [], Counter()
    with open(log) as f:
        for line in f:
            kind, t, state = line.rstrip("\n").split(" ", 2)
            if t != target:
                continue
            if kind == "defined":
                if state not in defined:
                    defined.append(state)
            elif kind == "reached":
                reached[state] += 1
    if not defined:
        print(f"check-states: {target}: no states logged ({log})")
        return 1
    width = max(map(len, defined + list(reached)))
    print(f"   {'state':<{width}}  inputs reaching it")
    for s in defined:
        print(f"   {s:<{width}}  {reached[s]}")
    extra = [s for s in reached if s not in defined]
    for s in extra:
        print(f"   {s:<{width}}  {reached[s]}  <- not a defined state")
    missing = [s for s in defined if reached[s] == 0]
    if missing or extra:
        print(f"check-states: {target}: " + "; ".join(
            ([f"no input reaches {', '.join(missing)}"] if missing else []) +
            ([f"inputs reach undefined {', '.join(extra)}"] if extra else [])))
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
