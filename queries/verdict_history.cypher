// Verdicts recorded by investigators, newest first
//
// One row per (:Verdict) record, as `graphrisk verdict` (or the console) wrote it
// through HAS_VERDICT: the account, the verdict (fraud, legit, unsure), who gave it
// (by), when (at), the note, when it was recorded, and whether it is the account's
// current verdict (the newest one, which the account itself carries). Newest first
// (at, then recorded_at). Filter by account ($user_id), by investigator ($by) and by
// time ($since: given at or after).
//
// Parameters:
//   $user_id  STRING    only this account's verdicts (must exist: user) (optional)
//   $by       STRING    only the verdicts given by this investigator (optional)
//   $since    DATETIME  only verdicts given at or after this: ISO 8601 date or
//                       date-time, UTC when no zone is given (optional)
//   $limit    INTEGER   verdicts to return (default 100)
//
// Example:
//   graphrisk query verdict_history --param limit=20
//   graphrisk query verdict_history --param user_id=u5
//   graphrisk query verdict_history --param by=alice --param since=2024-03-01
MATCH (u:User)-[:HAS_VERDICT]->(v:Verdict)
WHERE ($user_id IS NULL OR u.user_id = $user_id)
  AND ($by IS NULL OR v.by = $by)
  AND ($since IS NULL OR v.at >= datetime($since))
RETURN u.user_id AS user_id, v.verdict AS verdict, v.by AS by, v.at AS at, v.note AS note,
       v.verdict_id AS verdict_id, v.recorded_at AS recorded_at,
       coalesce(u.verdict_at = v.at AND u.verdict_recorded_at = v.recorded_at, false) AS current
ORDER BY at DESC, recorded_at DESC, user_id, verdict_id
LIMIT coalesce($limit, 100)
