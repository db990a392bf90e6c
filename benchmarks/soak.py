"""Fault-injection soak: 5,000 cells over the OpenAI, Anthropic and Gemini formats, ~20% faults.

python benchmarks/soak.py [rows]      # rows x 3 models; default 1667 rows = 5,001 cells
"""

import sys

from _soak import soak

if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1667
    report = soak(rows, progress=True)
    print(report)
    problems = report.problems()
    print("OK: nothing lost, nothing paid twice" if not problems else "PROBLEMS: " + "; ".join(problems))
    sys.exit(1 if problems else 0)
