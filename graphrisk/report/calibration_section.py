"""The report's calibration section: Brier score and ECE before and after, and the reliability diagram."""

from __future__ import annotations

from collections.abc import Mapping

from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.markup import Safe, element, format_value, table
from graphrisk.report.reliability import reliability_figure
from graphrisk.report.sections import section

__all__ = ["calibration_section"]

_METHODS = {"platt": "Platt (logistic on the logit)", "isotonic": "isotonic", "none": "none (plain sigmoid)"}


def calibration_section(calibration: Mapping | None) -> Safe:
    """How well the risk scores match observed fraud rates on the validation users.

    Parameters
    ----------
    calibration
        ``RiskDetector.validation_["calibration"]`` (see
        :func:`graphrisk.model.calibration.calibration_statistics`), or ``None``: the
        section then says that the model carries no calibration statistics.

    Returns
    -------
    Safe
        ``<section id="calibration">``: a sentence, a table of Brier score and expected
        calibration error (ECE) before and after calibration, the reliability diagram
        (embedded PNG) and a note on what the numbers can and cannot say.
    """
    if calibration is None:
        return section("calibration", element(
            "p", "The model carries no calibration statistics (saved before graphrisk calibrated its risk scores): "
            "its scores are the network's plain sigmoid. Retrain it to calibrate them.", class_="note"))
    before, after = calibration["before"], calibration["after"]
    method = str(calibration.get("method", "?"))
    users, fraud = calibration.get("users"), calibration.get("fraud")
    who = f"the {users:,} validation users ({fraud:,} labelled fraud)" if isinstance(users, int) and \
        isinstance(fraud, int) else "the validation users"
    if method == "none":
        headline = (f"Risk scores are not calibrated (calibration 'none'): the network's plain sigmoid, "
                    f"measured on {who}.")
    else:
        headline = (f"Risk scores are calibrated with {_METHODS.get(method, method)}, fitted on {who}: "
                    f"Brier score {before['brier']:.4f} → {after['brier']:.4f}, expected calibration error "
                    f"{before['ece']:.4f} → {after['ece']:.4f} (lower is better).")
    grid = table(["risk", "Brier score", "ECE", "users"],
                 [[name, f"{part['brier']:.4f}", f"{part['ece']:.4f}", format_value(part.get("users"))]
                  for name, part in (("plain sigmoid", before), ("calibrated", after))],
                 numeric=[False, True, True, True], class_="calibration")
    png = figure_png(reliability_figure(calibration))
    image = element("img", src=png_data_uri(png), class_="figure",
                    alt="Reliability diagram: mean predicted risk against observed fraud rate, before and after "
                    "calibration")
    how = ("cross-fitted: each half of the validation users is calibrated by a fit on the other half"
           if calibration.get("cross_fitted") else "measured on the users the calibration was fitted on (optimistic)")
    note = (f"After calibration, {how}. A score of 0.3 means that about 30 in 100 users scored like this are "
            "labelled fraud: users no one has labelled yet count as legitimate, so the scores estimate the chance "
            "of being labelled fraud, and undetected fraud makes them low. The validation users also chose the "
            "training epoch and the flag threshold. Equal-width bins; ECE is the user-weighted gap between "
            "predicted risk and observed rate.")
    return section("calibration", element("p", headline), grid, image, element("p", note, class_="note"))
