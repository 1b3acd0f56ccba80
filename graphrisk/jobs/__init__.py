"""Jobs that chain the library end to end (the main job behind ``graphrisk demo``)."""

from graphrisk.jobs.main_job import JobResult, run_main_job

__all__ = ["run_main_job", "JobResult"]
