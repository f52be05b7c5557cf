"""semstyle benchmark and evaluation suite: `python -m bench --help`. Not part of the package."""
