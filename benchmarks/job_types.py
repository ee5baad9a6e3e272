"""The job type the jobs benchmark queues: it does nothing, so what is measured is the machinery around it."""

from tutorassist.jobs.registry import job_type


@job_type("BENCH_TRIVIAL", max_attempts=1)
def trivial(ctx, payload):
    return None
