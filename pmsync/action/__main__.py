import sys

from pmsync.action.steps import main

sys.exit(main())
