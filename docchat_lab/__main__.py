from docchat_lab.cli import main

raise SystemExit(main())
