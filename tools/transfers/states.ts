// What a Rucio transfer request's state says about the transfer, for the matrix.
//
// Rucio's RequestState enum (the same thirteen states in both releases:
// rucio@1.31.7:lib/rucio/db/sqla/constants.py:125-138, rucio@40.4.1:lib/rucio/db/sqla/constants.py:141-154).
// The REST API takes states by their one-letter value (`RequestState(state)` on each
// comma-separated item: rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/requests.py:557-558,
// rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/requests.py:554-555) and answers them by name (its
// JSON encoder writes an Enum's name: rucio@1.31.7:lib/rucio/common/utils.py:397-398,
// rucio@40.4.1:lib/rucio/common/utils.py:275-276).
//
// How the conveyor's finisher sorts the states that end a request decides the classes here
// (rucio@1.31.7:lib/rucio/daemons/conveyor/finisher.py:195-196, rucio@40.4.1:lib/rucio/daemons/conveyor/finisher.py:264-265):
// - succeeded: DONE, the file arrived.
// - failed: FAILED (the transfer tool reported a failure), LOST (the transfer tool lost it) and
//   SUBMISSION_FAILED (the transfer tool refused it): attempts on the link whose file did not
//   arrive. The finisher calls LOST and SUBMISSION_FAILED "failed during submission", and
//   SUBMITTING too when it finds a request still in it (rucio@1.31.7:.../finisher.py:65-71; in
//   rucio@40.4.1 only one left in it past FAILED_DURING_SUBMISSION_DELAY, :100-104); the finisher
//   then requeues it (or fails it past its retries, :322-333), so a live SUBMITTING request is
//   counted in progress here.
// - not attempted: NO_SOURCES, ONLY_TAPE_SOURCES, MISMATCH_SCHEME: the finisher's "failed with no
//   submission attempts": nothing ran between the two RSEs, so they are not counted (and such a
//   request seldom names a source).
// - in progress: QUEUED, WAITING, PREPARING, SUBMITTING, SUBMITTED, SUSPEND: no outcome yet. A
//   request is given its source only when it is submitted, so one still queued is on no link yet.
// Rucio 40's own transfer statistics count DONE and FAILED only
// (rucio@40.4.1:lib/rucio/core/request.py:1559-1572); this tool counts LOST and SUBMISSION_FAILED
// as failures too, since a link that loses or refuses transfers is not healthy.

export type Outcome = "succeeded" | "failed" | "notAttempted" | "inProgress";

/** Every RequestState by name, with its letter and its class. */
export const requestStates = {
    DONE: { letter: "D", outcome: "succeeded" },
    FAILED: { letter: "F", outcome: "failed" },
    LOST: { letter: "L", outcome: "failed" },
    SUBMISSION_FAILED: { letter: "A", outcome: "failed" },
    NO_SOURCES: { letter: "N", outcome: "notAttempted" },
    ONLY_TAPE_SOURCES: { letter: "O", outcome: "notAttempted" },
    MISMATCH_SCHEME: { letter: "M", outcome: "notAttempted" },
    QUEUED: { letter: "Q", outcome: "inProgress" },
    WAITING: { letter: "W", outcome: "inProgress" },
    PREPARING: { letter: "P", outcome: "inProgress" },
    SUBMITTING: { letter: "G", outcome: "inProgress" },
    SUBMITTED: { letter: "S", outcome: "inProgress" },
    SUSPEND: { letter: "U", outcome: "inProgress" },
} as const satisfies Record<string, { letter: string; outcome: Outcome }>;

export type RequestStateName = keyof typeof requestStates;

/** The class of a state as Rucio names it; undefined for a name this tool does not know. */
export function outcomeOf(state: string): Outcome | undefined {
    return Object.prototype.hasOwnProperty.call(requestStates, state) ? requestStates[state as RequestStateName].outcome : undefined;
}

const lettersOf = (outcomes: readonly Outcome[]) =>
    Object.values(requestStates)
        .filter((s) => (outcomes as readonly string[]).includes(s.outcome))
        .map((s) => s.letter)
        .join(",");

/**
 * The request_states asked of the requests table (requests not yet archived): every state. A
 * finished request stays there until the finisher archives it.
 */
export const activeTableStates = lettersOf(["succeeded", "failed", "notAttempted", "inProgress"]);

/**
 * The request_states asked of the history table: the finished ones. A request archived in a state
 * of "in progress" was cancelled (its rule went) or retried, and says nothing of the link.
 */
export const historyTableStates = lettersOf(["succeeded", "failed", "notAttempted"]);
