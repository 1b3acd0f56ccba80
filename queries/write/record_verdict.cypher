// Record an investigator's verdict on an account
//
// WRITES: run by `graphrisk verdict` in a write transaction; `graphrisk query` (read-only)
// neither lists nor runs it. Adds one (:Verdict) node to the account's history
// ((:User)-[:HAS_VERDICT]->(:Verdict {verdict_id, verdict, by, at, note, recorded_at}))
// and, when this verdict is the newest (latest $at; equal: recorded later), sets
// verdict, verdict_by, verdict_at and verdict_recorded_at on the (:User). Returns no row, and writes
// nothing, when the account is not in the database. Safe to run twice: the verdict
// is merged on the id the caller chose for it.
//
// Parameters:
//   $user_id      STRING    the account (required)
//   $verdict_id   STRING    id of this verdict record, chosen by the caller (required)
//   $verdict      STRING    fraud, legit or unsure (required)
//   $by           STRING    the investigator who gave it (required)
//   $at           DATETIME  when it was given (required)
//   $note         STRING    free text (optional)
//   $recorded_at  DATETIME  when it was recorded (required)
//
// Example:
//   graphrisk verdict u5 fraud --by alice --note "shares a device with ring r3"
MATCH (u:User {user_id: $user_id})
MERGE (u)-[:HAS_VERDICT]->(v:Verdict {verdict_id: $verdict_id})
  ON CREATE SET v.verdict = $verdict, v.by = $by, v.at = datetime($at), v.note = $note,
                v.recorded_at = datetime($recorded_at)
WITH u, v, (u.verdict_at IS NULL OR v.at > u.verdict_at
             OR (v.at = u.verdict_at AND v.recorded_at >= coalesce(u.verdict_recorded_at, v.recorded_at))) AS newest
SET u.verdict = CASE WHEN newest THEN v.verdict ELSE u.verdict END,
    u.verdict_by = CASE WHEN newest THEN v.by ELSE u.verdict_by END,
    u.verdict_at = CASE WHEN newest THEN v.at ELSE u.verdict_at END,
    u.verdict_recorded_at = CASE WHEN newest THEN v.recorded_at ELSE u.verdict_recorded_at END
RETURN u.user_id AS user_id, v.verdict_id AS verdict_id, newest,
       u.verdict AS current_verdict, u.verdict_by AS current_by, u.verdict_at AS current_at
