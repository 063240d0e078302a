"""``python -m cxnlp``: the same commands as the ``cxnlp`` console script, for environments
where only the interpreter is on the path (a notebook kernel, a scheduler's Python task)."""

from cxnlp.cli import main

main()
