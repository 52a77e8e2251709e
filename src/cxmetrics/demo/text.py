"""Short survey comments, by sentiment and topic (English), for the demo's feedback.

Why canned texts: later features (comment themes, drill-down into why NPS fell)
need comments whose wording follows the score and the ticket's topic; a few
dozen realistic lines per bucket are enough and keep generation vectorized.
"""

from __future__ import annotations

import numpy as np

NEGATIVE = [
    "Waited far too long for an answer.",
    "Took three days to get a reply to a simple question.",
    "I had to explain my problem twice to different people.",
    "Nobody followed up after the first reply.",
    "The answer did not solve my problem.",
    "The ticket was closed but the issue is still there.",
    "Felt like talking to a script, not a person.",
    "Too slow. I needed help the same day.",
    "I had to chase you for an update.",
    "Very frustrating experience overall.",
    "The agent did not read my message properly.",
    "Still waiting for the refund I was promised.",
]
NEUTRAL = [
    "Okay in the end, but it took a while.",
    "Got an answer, though it was a bit generic.",
    "Fine. Nothing special.",
    "Solved, but I had to reply a few times.",
    "Helpful enough, could be quicker.",
    "The answer was correct but hard to follow.",
    "Average service.",
    "Took longer than I expected, but sorted now.",
]
POSITIVE = [
    "Quick and friendly help, thank you!",
    "Solved in minutes. Great service.",
    "Very helpful and polite agent.",
    "Clear answer on the first try.",
    "Fast reply even on a busy day, thanks.",
    "The agent went the extra mile.",
    "Easy to get help, will buy again.",
    "Excellent support as always.",
    "Friendly, fast and to the point.",
    "Thanks for sorting this out so quickly!",
]
#: category -> (negative, positive) topic lines; order follows tickets.CATEGORIES
TOPICAL = [
    (["Nobody could tell me if the discount applies.", "Sales answers were vague."],
     ["Got a great product recommendation.", "Helpful advice before buying."]),
    (["The device still does not connect after the update.", "Troubleshooting steps did not work.",
      "The new hub keeps dropping offline, support had no fix."],
     ["The setup tip fixed my hub right away.", "Technical answer was spot on."]),
    (["Cancelling was far too complicated.", "You made it hard to cancel my plan."],
     ["Cancellation was handled quickly and politely.", "Easy to cancel, no questions asked."]),
    (["The return label never arrived.", "Refund is taking forever."],
     ["Return was simple and the refund came fast.", "Hassle-free return, thanks."]),
    (["My parcel is lost and nobody knows where it is.", "Delivery was late and nobody warned me."],
     ["They tracked down my parcel in no time.", "Delivery issue fixed quickly."]),
    (["The item is still out of stock with no date.", "No idea when it will be back in stock."],
     ["Told me exactly when it would be back in stock.", "They reserved the last one for me."]),
]


def comments(rng: np.random.Generator, sentiment: np.ndarray, category: np.ndarray) -> np.ndarray:
    """A comment per row: sentiment 0 negative, 1 neutral, 2 positive; about the topic half the time."""
    n = len(sentiment)
    out = np.empty(n, dtype=object)
    u = rng.random(n)
    topical = rng.random(n) < 0.5
    for s, pool in enumerate((NEGATIVE, NEUTRAL, POSITIVE)):
        sel = sentiment == s
        arr = np.array(pool, dtype=object)
        out[sel] = arr[(u[sel] * len(arr)).astype(int)]
        if s == 1:
            continue
        for c, (neg, pos) in enumerate(TOPICAL):
            tsel = sel & topical & (category == c)
            arr = np.array(neg if s == 0 else pos, dtype=object)
            out[tsel] = arr[(u[tsel] * len(arr)).astype(int)]
    return out
