"""A probe kind's description is its docstring's summary paragraph, however that is wrapped."""

from golive_tui.probes import registry
from golive_tui.probes.base import REGISTRY, NoParams, ProbeContext, ProbeResult, passed, probe


def test_a_summary_wrapped_over_two_lines_is_one_description() -> None:
    def check(ctx: ProbeContext, params: NoParams) -> ProbeResult:
        """The summary of this probe runs past one line, as a summary wrapped at 100 columns
        does.

        Details that are not part of the summary.
        """
        return passed("ok")

    try:
        probe("test.wrapped-summary", NoParams)(check)
        assert REGISTRY["test.wrapped-summary"].description == (
            "The summary of this probe runs past one line, "
            "as a summary wrapped at 100 columns does."
        )
    finally:
        REGISTRY.pop("test.wrapped-summary", None)


def test_no_kind_description_stops_mid_sentence() -> None:
    cut = [name for name, kind in registry().items() if not kind.description.endswith(".")]
    assert cut == []
