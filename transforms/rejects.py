"""Dead letters: every stage turns its failures into Reject rows instead of crashing."""

from collections.abc import Callable
from typing import Any

import apache_beam as beam

from schemas.records import Reject


class RejectError(ValueError):
    """An input that a stage refuses, with a reason meant for the rejects table."""

    def __repr__(self) -> str:
        # Beam's dead letter carries repr(exception): keep ours a plain reason.
        return str(self)


class StageWithRejects(beam.PTransform):
    """ParDo(dofn) with Beam's dead-letter handling: -> (outputs, Rejects).

    An element whose processing raises ends in the rejects with the stage name and
    the reason; the rest of the run goes on.
    """

    def __init__(
        self, dofn: beam.DoFn, stage: str, source_uri: Callable[[Any], str], *side_inputs: Any
    ):
        super().__init__()
        self._dofn = dofn
        self._stage = stage
        self._source_uri = source_uri
        self._side_inputs = side_inputs

    def expand(self, elements):
        good, bad = elements | "Process" >> beam.ParDo(
            self._dofn, *self._side_inputs
        ).with_exception_handling()
        stage, source_uri = self._stage, self._source_uri
        rejects = bad | "ToRejects" >> beam.Map(
            # failed = (element, (exception type, repr(exception), traceback))
            lambda failed: Reject(source_uri(failed[0]), stage, failed[1][1])
        )
        return good, rejects
