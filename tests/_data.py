"""Small labelled data the Playground tests share."""

from __future__ import annotations


def love_hate(n: int, *, battery: bool = True) -> list[dict[str, str]]:
    """``n`` one-line reviews, alternating "hate" (gold ``negative``) and "love" (``positive``);
    ``battery`` adds a clause that varies on its own ("great" / "awful" battery), so the Demo's
    answers differ more between rows."""
    return [
        {
            "text": f"I {'love' if i % 2 else 'hate'} it"
            + (f", {'great' if i % 3 else 'awful'} battery" if battery else ""),
            "gold": "positive" if i % 2 else "negative",
        }
        for i in range(n)
    ]
