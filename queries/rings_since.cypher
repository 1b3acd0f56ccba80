// Rings active in the data since a date
//
// Rings whose members were active at or after $since in the data itself: the ring's
// last_seen (the latest last_seen of its members' transactions and identifier uses,
// stored by scoring) is at or after $since. Not the scoring time: scoring a month of
// old data does not make its rings new. change says "started" when the ring's first
// activity (first_seen) is at or after $since too, else "active" (older, still
// active since then). active_members counts the members with a transaction or an
// identifier use seen at or after $since. scored_at is when scoring last wrote the
// ring. Only rings whose status is in $statuses; latest activity first.
//
// Parameters:
//   $since     DATETIME      start of the period: ISO 8601 date or date-time, UTC when
//                            no zone is given (required)
//   $statuses  LIST<STRING>  ring statuses to include (one of: active, merged,
//                            dissolved) (default active)
//
// Example:
//   graphrisk query rings_since --param since=2024-03-01
//   graphrisk query rings_since --param since=2024-03-01T00:00:00Z --param statuses=active,merged
WITH datetime($since) AS since
MATCH (ring:Ring)
WHERE ring.status IN coalesce($statuses, ['active'])
  AND ring.last_seen >= since
WITH ring, since, CASE WHEN ring.first_seen >= since THEN 'started' ELSE 'active' END AS change
RETURN ring.ring_id AS ring_id, change, ring.first_seen AS first_seen, ring.last_seen AS last_seen,
       ring.status AS status, ring.size AS size, ring.score AS score, ring.exposure AS exposure,
       COUNT { (u:User)-[:MEMBER_OF]->(ring) WHERE EXISTS { (u)-[t:USED|PAID|SENT]-() WHERE t.last_seen >= since } }
         AS active_members,
       ring.scored_at AS scored_at
ORDER BY last_seen DESC, ring_id
