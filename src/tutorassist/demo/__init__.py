"""The demo workspace: a small, realistic practice to explore TutorAssist with."""
