#!/usr/bin/env python
"""Django's command-line utility; the `qaf` console script is the same thing."""

from qaf.__main__ import main

if __name__ == "__main__":
    main()
