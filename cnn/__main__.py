import sys

from cnn.cli import main

sys.exit(main())
