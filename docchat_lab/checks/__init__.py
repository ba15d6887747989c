"""The learner-facing checks of each exercise: `test_*` functions that take the exercise (a
Subject) and judge only the plain data that comes back from it. Run them with
`docchat-lab check exNN`, or graded with `docchat-lab grade`."""
