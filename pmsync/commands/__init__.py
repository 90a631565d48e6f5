"""The commands as library functions: each takes the Run the CLI opened
(commands.context: documents scanned once; connection, tracker and listing opened
once, on first use), returns a result, and never prints."""
