from docchat.cli import main

raise SystemExit(main())
