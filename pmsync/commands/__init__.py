"""The commands as library functions: each opens one run, returns a result, never prints."""
