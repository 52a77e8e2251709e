"""Issue effort metrics (SPEC 4.6): contacts per issue and issue resolution time.

They aggregate the ``issues`` fact table (one row per issue; see cxmetrics.facts.issues
for how contacts chain into issues), attributed to the issue's first contact.
"""

from __future__ import annotations

from cxmetrics.metrics.kinds import DURATION, MEAN
from cxmetrics.metrics.registry import Metric, Reference
from cxmetrics.settings import DEFAULTS

SEED001 = Reference("seed 001 (ja)", "time to solution; all interactions of one contact in one place")
SPEC46 = Reference("SPEC 4.6", "issue effort: contacts per issue, first contact to resolution across tickets and channels")
ISSUES = ("tickets.ticket_id", "tickets.created_at", "tickets.customer_id", "tickets.category",
          "calls.customer_id|calls.topic")
CHAIN = ("One issue = one customer's tickets (category) and calls (topic) in one category, each opened within "
         f"{DEFAULTS.fcr.repeat_window_days} days (fcr.repeat_window_days) of the previous one; a longer gap starts a "
         "new issue.")
LEFT_OUT = "Contacts without customer_id or category (calls: topic) cannot be linked and are left out."

METRICS: tuple[Metric, ...] = (
    Metric(
        id="contacts_per_issue", label="Contacts per issue", kind=MEAN, unit="contacts", direction="lower",
        domain="customers",
        description="Mean number of contacts (tickets and calls, any channel) per customer issue.",
        fact="issues", time="first_contact_at", formula="mean(contacts) over issues, by the issue's first contact",
        requires=ISSUES, value=lambda t: t.contacts.cast("float64"),
        edge_cases=(CHAIN, LEFT_OUT, "Abandoned calls count as contacts: the customer tried.",
                    "Recent issues may still grow: a contact within the window after the data's end would join them.",
                    "--by channel is the channel of the issue's first contact."),
        references=(SEED001, SPEC46),
    ),
    Metric(
        id="issue_resolution_time", label="Issue resolution time", kind=DURATION, unit="seconds",
        direction="lower", domain="customers",
        description="Time from a customer's first contact about an issue to its last resolution, over resolved issues.",
        fact="issues", time="first_contact_at",
        formula="max(resolution of the issue's tickets and calls) - first contact, per resolved issue",
        requires=ISSUES, where=lambda t: t.is_resolved & t.resolution_s.notnull(), value=lambda t: t.resolution_s,
        edge_cases=(CHAIN, LEFT_OUT,
                    "Resolved = no ticket of the issue still unresolved and its last contact resolved "
                    "(a solved ticket or a call marked resolved).",
                    "Calendar time only (--hours business does not apply).",
                    "Attributed to the first contact, so recent periods lack the issues still open."),
        references=(SEED001, SPEC46),
    ),
)
