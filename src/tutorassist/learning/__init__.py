"""What students do and how they progress: attempts, spaced repetition, flags, tutor feedback, progress snapshots."""
