"""The library's world: a small SQLite database and the desk's tools over it.

A `Library` is built fresh from a `WorldData` (the JSON a task carries in
``metadata["world"]``) into its own in-memory SQLite database. Its tools are the
library's business: they check the library's own rules (no lending while fines are
owed, three loans at most, one renewal, ...) and raise `ToolError` when a rule says
no, always *before* changing anything, so a call that failed changed nothing.

The library knows nothing of the front desk's own rule (look a member up before
touching their account): that rule is the env's (`LibraryDeskEnv.before_call`), so a
grader replays the recorded writes on a `Library` like this one and gets the same state.

Example:
    >>> data = WorldData(
    ...     today=100,
    ...     books=[Book(id=1, title="Dune", author="Frank Herbert", copies=1)],
    ...     members=[Member(card="C-1001", name="Ada Byrne")],
    ... )
    >>> with Library(data) as library:
    ...     print(library.checkout("C-1001", 1))
    ...     print(library.state()["loans"])
    loan 1: 'Dune' lent to C-1001, due on day 114
    [{'book_id': 1, 'card': 'C-1001', 'due_day': 114, 'renewals': 0, 'returned_day': None}]
"""

from __future__ import annotations

import sqlite3
from types import TracebackType
from typing import Annotated

from gymforge.env import Tool, tool
from gymforge.errors import ToolError
from gymforge.types import JsonValue
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "LATE_FEE_CENTS",
    "LOAN_DAYS",
    "MAX_LOANS",
    "MAX_RENEWALS",
    "Book",
    "Library",
    "Loan",
    "Member",
    "WorldData",
    "money",
    "normalize_card",
]

LOAN_DAYS = 14
"""A checkout or a renewal lends a book for this many days."""
MAX_LOANS = 3
"""Active loans a member may hold at once."""
MAX_RENEWALS = 1
"""Times a loan may be renewed."""
LATE_FEE_CENTS = 25
"""Fine per day a book comes back late."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Book(_Frozen):
    """A title in the catalogue."""

    id: int
    """Catalogue number."""
    title: str
    """Title, as members ask for it."""
    author: str
    """Author."""
    copies: Annotated[int, Field(ge=1)]
    """Copies the library owns."""


class Member(_Frozen):
    """A member and what they owe."""

    card: str
    """Library card number, e.g. ``C-1042``."""
    name: str
    """Full name."""
    fine_cents: Annotated[int, Field(ge=0)] = 0
    """Unpaid fines, in cents."""


class Loan(_Frozen):
    """An active loan at the start of the episode."""

    id: int
    """Loan number."""
    book_id: int
    """The book lent."""
    card: str
    """The member who has it."""
    due_day: int
    """Day it is due back."""
    renewals: Annotated[int, Field(ge=0)] = 0
    """Times it was renewed."""


class WorldData(_Frozen):
    """Everything a `Library` is built from: the JSON a task carries."""

    today: int
    """The day the episode happens on."""
    books: tuple[Book, ...]
    """The catalogue."""
    members: tuple[Member, ...]
    """The members."""
    loans: tuple[Loan, ...] = ()
    """Loans active at the start."""


def normalize_card(card: str) -> str:
    """A card number as the library stores it (``" c-1042 "`` is ``C-1042``).

    Example:
        >>> normalize_card(" c-1042 ")
        'C-1042'
    """
    return card.strip().upper()


def money(cents: int) -> str:
    """Cents as dollars for replies.

    Example:
        >>> money(125)
        '$1.25'
    """
    return f"${cents // 100}.{cents % 100:02d}"


_SCHEMA = """
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL,
                    copies INTEGER NOT NULL);
CREATE TABLE members (card TEXT PRIMARY KEY, name TEXT NOT NULL, fine_cents INTEGER NOT NULL);
CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER NOT NULL REFERENCES books(id),
                    card TEXT NOT NULL REFERENCES members(card), due_day INTEGER NOT NULL,
                    renewals INTEGER NOT NULL, returned_day INTEGER);
"""


class Library:
    """One library, in its own in-memory SQLite database, with the desk's tools.

    Args:
        data: The world to build.
    """

    def __init__(self, data: WorldData) -> None:
        self.today = data.today
        # One episode uses it one call at a time, but the Gymnasium adapter may run
        # the episode's coroutines on a helper thread.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.executescript(_SCHEMA)
        with self._db:
            self._db.executemany(
                "INSERT INTO books VALUES (?, ?, ?, ?)",
                [(b.id, b.title, b.author, b.copies) for b in data.books],
            )
            self._db.executemany(
                "INSERT INTO members VALUES (?, ?, ?)",
                [(m.card, m.name, m.fine_cents) for m in data.members],
            )
            self._db.executemany(
                "INSERT INTO loans VALUES (?, ?, ?, ?, ?, NULL)",
                [(x.id, x.book_id, x.card, x.due_day, x.renewals) for x in data.loans],
            )

    def close(self) -> None:
        """Close the database (twice is harmless)."""
        self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def tools(self) -> list[Tool]:
        """The desk's tools, bound to this library (reads first, then writes)."""
        return [
            self.lookup_member,
            self.search_books,
            self.member_loans,
            self.checkout,
            self.return_book,
            self.renew,
            self.pay_fine,
        ]

    def state(self) -> dict[str, JsonValue]:
        """What grading compares: every loan (without its number) and every fine.

        Loans are listed without their numbers and sorted, so two requests done in
        another order than the gold script's give the same state.
        """
        rows = self._db.execute(
            "SELECT book_id, card, due_day, renewals, returned_day FROM loans"
        ).fetchall()
        rows.sort(key=lambda r: (r[1], r[0], r[2], r[3], r[4] is not None, r[4] or 0))
        loans: list[JsonValue] = [
            {"book_id": b, "card": c, "due_day": d, "renewals": n, "returned_day": r}
            for b, c, d, n, r in rows
        ]
        fines: dict[str, JsonValue] = dict(
            self._db.execute("SELECT card, fine_cents FROM members ORDER BY card").fetchall()
        )
        return {"loans": loans, "fines": fines}

    # -- lookups the tools share ------------------------------------------------------

    def _member(self, card: str) -> tuple[str, str, int]:
        row = self._db.execute(
            "SELECT card, name, fine_cents FROM members WHERE card = ?", (normalize_card(card),)
        ).fetchone()
        if row is None:
            raise ToolError(f"no member has card {card!r}; card numbers look like C-1042")
        return row[0], row[1], row[2]

    def _book(self, book_id: int) -> tuple[str, int]:
        row = self._db.execute(
            "SELECT title, copies FROM books WHERE id = ?", (book_id,)
        ).fetchone()
        if row is None:
            raise ToolError(f"no book has number {book_id}; search_books finds the numbers")
        return row[0], row[1]

    def _active_loan(self, loan_id: int) -> tuple[int, str, int, int]:
        row = self._db.execute(
            "SELECT book_id, card, due_day, renewals, returned_day FROM loans WHERE id = ?",
            (loan_id,),
        ).fetchone()
        if row is None:
            raise ToolError(f"there is no loan {loan_id}; member_loans lists a member's loans")
        if row[4] is not None:
            raise ToolError(f"loan {loan_id} was already returned on day {row[4]}")
        return row[0], row[1], row[2], row[3]

    def _on_loan(self, book_id: int) -> int:
        (n,) = self._db.execute(
            "SELECT COUNT(*) FROM loans WHERE book_id = ? AND returned_day IS NULL", (book_id,)
        ).fetchone()
        return int(n)

    def active_loan_of(self, card: str, book_id: int) -> bool:
        """True when the member holds the book now (for goals and milestones)."""
        row = self._db.execute(
            "SELECT 1 FROM loans WHERE card = ? AND book_id = ? AND returned_day IS NULL",
            (normalize_card(card), book_id),
        ).fetchone()
        return row is not None

    def loan(self, loan_id: int) -> dict[str, JsonValue] | None:
        """One loan by its number, as `state` lists loans (None when there is none)."""
        row = self._db.execute(
            "SELECT book_id, card, due_day, renewals, returned_day FROM loans WHERE id = ?",
            (loan_id,),
        ).fetchone()
        if row is None:
            return None
        b, c, d, n, r = row
        return {"book_id": b, "card": c, "due_day": d, "renewals": n, "returned_day": r}

    # -- the tools ----------------------------------------------------------------------

    @tool
    def lookup_member(self, card: str) -> str:
        """Look a member up by library card: their name, loans held and fines owed.

        Args:
            card: The library card number, e.g. C-1042.
        """
        card, name, fine = self._member(card)
        (held,) = self._db.execute(
            "SELECT COUNT(*) FROM loans WHERE card = ? AND returned_day IS NULL", (card,)
        ).fetchone()
        return f"{name} (card {card}): {held} of {MAX_LOANS} loans held; fines owed: {money(fine)}"

    @tool
    def search_books(self, query: str) -> str:
        """Find books whose title or author contains the query (case does not matter).

        Args:
            query: Part of a title or an author's name.
        """
        pattern = f"%{query.strip()}%"
        rows = self._db.execute(
            "SELECT id, title, author, copies FROM books "
            "WHERE title LIKE ? OR author LIKE ? ORDER BY id",
            (pattern, pattern),
        ).fetchall()
        if not rows:
            return f"no book matches {query!r}"
        return "\n".join(
            f"book {i}: {title!r} by {author}, {copies - self._on_loan(i)} of {copies} on the shelf"
            for i, title, author, copies in rows
        )

    @tool
    def member_loans(self, card: str) -> str:
        """List the loans a member holds now, with their numbers and due days.

        Args:
            card: The library card number.
        """
        card, name, _ = self._member(card)
        rows = self._db.execute(
            "SELECT loans.id, title, due_day, renewals FROM loans JOIN books "
            "ON books.id = loans.book_id WHERE card = ? AND returned_day IS NULL "
            "ORDER BY loans.id",
            (card,),
        ).fetchall()
        if not rows:
            return f"{name} holds no loans"
        lines = []
        for loan_id, title, due, renewals in rows:
            late = f", {self.today - due} days late" if due < self.today else ""
            lines.append(
                f"loan {loan_id}: {title!r}, due on day {due}{late}, renewed {renewals} time(s)"
            )
        return "\n".join(lines)

    @tool(writes=True)
    def checkout(self, card: str, book_id: int) -> str:
        """Lend a book to a member for 14 days.

        Args:
            card: The member's library card number.
            book_id: The book's number (from search_books).
        """
        card, _, fine = self._member(card)
        title, copies = self._book(book_id)
        if fine > 0:
            raise ToolError(f"{card} owes {money(fine)} in fines: they must be paid before a loan")
        held = self._db.execute(
            "SELECT book_id FROM loans WHERE card = ? AND returned_day IS NULL", (card,)
        ).fetchall()
        if (book_id,) in held:
            raise ToolError(f"{card} already has {title!r}")
        if len(held) >= MAX_LOANS:
            raise ToolError(f"{card} already holds {MAX_LOANS} loans, the most allowed")
        if self._on_loan(book_id) >= copies:
            raise ToolError(f"every copy of {title!r} is out on loan")
        due = self.today + LOAN_DAYS
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO loans (book_id, card, due_day, renewals) VALUES (?, ?, ?, 0)",
                (book_id, card, due),
            )
        return f"loan {cursor.lastrowid}: {title!r} lent to {card}, due on day {due}"

    @tool(writes=True)
    def return_book(self, loan_id: int) -> str:
        """Take a book back; a late return adds a fine of $0.25 per day late.

        Args:
            loan_id: The loan's number (from member_loans).
        """
        _, card, due, _ = self._active_loan(loan_id)
        days_late = max(0, self.today - due)
        with self._db:
            self._db.execute(
                "UPDATE loans SET returned_day = ? WHERE id = ?", (self.today, loan_id)
            )
            self._db.execute(
                "UPDATE members SET fine_cents = fine_cents + ? WHERE card = ?",
                (days_late * LATE_FEE_CENTS, card),
            )
        if days_late:
            fee = money(days_late * LATE_FEE_CENTS)
            return f"loan {loan_id} returned {days_late} days late: a fine of {fee} was added"
        return f"loan {loan_id} returned on time"

    @tool(writes=True)
    def renew(self, loan_id: int) -> str:
        """Extend a loan by 14 days (once per loan, and never when it is overdue).

        Args:
            loan_id: The loan's number (from member_loans).
        """
        _, card, due, renewals = self._active_loan(loan_id)
        if due < self.today:
            raise ToolError(f"loan {loan_id} is overdue (due on day {due}): return it instead")
        if renewals >= MAX_RENEWALS:
            raise ToolError(f"loan {loan_id} was renewed already; it can be renewed only once")
        with self._db:
            self._db.execute(
                "UPDATE loans SET due_day = ?, renewals = renewals + 1 WHERE id = ?",
                (due + LOAN_DAYS, loan_id),
            )
        return f"loan {loan_id} renewed: now due on day {due + LOAN_DAYS}"

    @tool(writes=True)
    def pay_fine(self, card: str, amount_cents: int) -> str:
        """Take a member's payment towards their fines.

        Args:
            card: The member's library card number.
            amount_cents: The amount paid, in cents (at most what they owe).
        """
        card, _, fine = self._member(card)
        if amount_cents <= 0:
            raise ToolError("the amount must be a positive number of cents")
        if amount_cents > fine:
            raise ToolError(f"{card} owes only {money(fine)}; take at most {fine} cents")
        with self._db:
            self._db.execute(
                "UPDATE members SET fine_cents = fine_cents - ? WHERE card = ?",
                (amount_cents, card),
            )
        return f"paid {money(amount_cents)}; {card} now owes {money(fine - amount_cents)}"
