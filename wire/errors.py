"""Every error wire raises on purpose, under one base class.

WireError
├── ConfigError            config file missing, unreadable or invalid (names the key)
├── StoryValidationError   story JSON not fitting schemas/story.schema.json (names the path)
├── IngestError            input that cannot become a story (names the input and the reason)
│   ├── InputTooLarge      over the size cap
│   ├── UnsafeXML          DOCTYPE with entities, external DTD, XML bombs
│   ├── MalformedInput     not well-formed / not decodable / not the format it claims
│   └── NoContent          empty, binary, or an HTML page with no article
├── StoreError             the store refused an operation
│   ├── StoreUnavailable   the database cannot be reached (503 until it is back)
│   ├── NotFound           no such story / partner / key
│   ├── VersionConflict    a write based on a stale version (If-Match)
│   ├── IdentityCollision  an input's guid is another source's story
│   └── AlreadyDecided     a near-duplicate hold decided a second time
├── Killed                 a write to a killed story (a kill is final)
├── OnHold                 a release of a story held as a near duplicate
├── BadCursor              a ?before= / ?after= this server never gave out
├── Unrenderable           a stored story a renderer refuses (left out of feeds, recorded)
├── AuthError              missing, unknown or expired credentials
├── NotEntitled            a WebSub subscriber asking for a topic its audience may not read
├── HubRequestError        a WebSub request the hub refuses (names the form field)
├── DropFolderError        a drop folder that is missing and cannot be made, or unreadable
└── UnsafeURL              a callback URL wire will not call (private, loopback, …)
"""

from __future__ import annotations


class WireError(Exception):
    """Base of every error wire raises on purpose."""


class ConfigError(WireError):
    """The configuration is invalid; ``key`` is the dotted path of the offending key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


class StoryValidationError(WireError):
    """Story JSON that does not fit the schema; ``path`` points at the field (``/body/3``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '/'}: {problem}")
        self.path = path
        self.problem = problem


class IngestError(WireError):
    """Input that cannot become a story; ``input_name`` says which, ``reason`` why."""

    def __init__(self, input_name: str, reason: str) -> None:
        super().__init__(f"{input_name}: {reason}")
        self.input_name = input_name
        self.reason = reason


class InputTooLarge(IngestError):
    """The input is over the configured size cap."""


class UnsafeXML(IngestError):
    """The XML declares entities or an external DTD; wire never expands or fetches them."""


class MalformedInput(IngestError):
    """The input is not well-formed or not the format it claims to be."""


class NoContent(IngestError):
    """The input has no story in it: empty, binary, or a page with no article."""


class StoreError(WireError):
    """The store refused an operation."""


class StoreUnavailable(StoreError):
    """The database cannot be reached now; the operation may succeed later."""


class WriteConflict(StoreError):
    """Another writer created a guid a batch of saves meant to create; the batch
    wrote nothing and is saved again one story at a time."""


class NotFound(StoreError):
    """No such record."""


class VersionConflict(StoreError):
    """A write based on a version that is no longer the current one."""

    def __init__(self, guid: str, expected: int, current: int) -> None:
        super().__init__(f"{guid}: expected version {expected}, current is {current}")
        self.guid = guid
        self.expected = expected
        self.current = current


class Killed(WireError):
    """A write to a killed story: a kill is final."""

    def __init__(self, guid: str, version: int, action: str) -> None:
        super().__init__(f"{guid!r} is killed; it cannot be {action}")
        self.guid = guid
        self.version = version


class OnHold(WireError):
    """A release of a story held as a near duplicate: its hold is decided instead."""

    def __init__(self, guid: str, duplicate_of: str) -> None:
        super().__init__(
            f"{guid!r} is held as a near duplicate of {duplicate_of!r}: "
            f"decide its hold (POST /api/v1/holds/{{guid}}) to release it"
        )
        self.guid = guid
        self.duplicate_of = duplicate_of


class BadCursor(WireError):
    """A ``?before=`` / ``?after=`` value that is not a cursor this server gave out."""

    def __init__(self, parameter: str) -> None:
        super().__init__(f"{parameter}: not a cursor this server gave out")
        self.parameter = parameter


class AlreadyDecided(StoreError):
    """A decision asked of something already decided (a near-duplicate hold)."""


class Unrenderable(WireError):
    """A stored story that a renderer refuses; it is left out and recorded."""


class IdentityCollision(StoreError):
    """An ingested story's guid names a story of a source outside its id space."""

    def __init__(self, guid: str, owner: str) -> None:
        super().__init__(f"{guid}: already the guid of a story of source {owner!r}")
        self.guid = guid
        self.owner = owner


class AuthError(WireError):
    """Missing, unknown or expired credentials."""


class Forbidden(WireError):
    """An editor whose role does not cover the act (a kill needs ``admin``)."""


class UnsafeURL(WireError):
    """A URL wire refuses to call: private, link-local or loopback target, or bad scheme."""


class NotEntitled(WireError):
    """The subscriber's audience may not read the topic it asked for."""


class HubRequestError(WireError):
    """A subscription request the hub refuses; ``field`` names the form field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class DropFolderError(WireError):
    """The drop folder itself is unusable: missing and not creatable, or unreadable."""

    def __init__(self, folder: str, reason: str) -> None:
        super().__init__(f"{folder}: {reason}")
        self.folder = folder
        self.reason = reason
