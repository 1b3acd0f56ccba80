// Rings created or grown since a date
//
// Rings whose created_at, or grown_at (the last time members were added), is at or
// after $since, latest change first. change says which: "created" (new since then)
// or "grown" (older, with members added since); new_members counts the members whose
// MEMBER_OF.since is at or after $since. Only rings whose status is in $statuses.
//
// Parameters:
//   $since     DATETIME      start of the period: ISO 8601 date or date-time, UTC when
//                            no zone is given (required)
//   $statuses  LIST<STRING>  ring statuses to include: active, merged, dissolved
//                            (default active)
//
// Example:
//   graphrisk query rings_since --param since=2024-03-01
//   graphrisk query rings_since --param since=2024-03-01T00:00:00Z --param statuses=active,merged
WITH datetime($since) AS since
MATCH (ring:Ring)
WHERE ring.status IN coalesce($statuses, ['active'])
  AND (ring.created_at >= since OR ring.grown_at >= since)
WITH ring, since,
     CASE WHEN ring.created_at >= since THEN 'created' ELSE 'grown' END AS change,
     CASE WHEN ring.grown_at > ring.created_at THEN ring.grown_at ELSE ring.created_at END AS changed_at
RETURN ring.ring_id AS ring_id, change, changed_at, ring.status AS status, ring.size AS size,
       ring.score AS score, ring.exposure AS exposure,
       COUNT { (:User)-[m:MEMBER_OF]->(ring) WHERE m.since >= since } AS new_members,
       ring.created_at AS created_at, ring.grown_at AS grown_at
ORDER BY changed_at DESC, ring_id
