// Rings by score
//
// Rings whose status is in $statuses and whose stored size is at least $min_size,
// highest score (mean member risk) first, with their exposure, shared entities, and
// how many members are flagged now; first_seen and last_seen span the members'
// activity in the data, scored_at is when scoring last wrote the ring.
//
// Parameters:
//   $statuses  LIST<STRING>  ring statuses to include (one of: active, merged,
//                            dissolved) (default active)
//   $min_size  INTEGER       fewest members (default 2)
//   $limit     INTEGER       rings to return (default 25)
//
// Example:
//   graphrisk query top_rings --param limit=10
MATCH (ring:Ring)
WHERE ring.status IN coalesce($statuses, ['active'])
  AND ring.size >= coalesce($min_size, 2)
RETURN ring.ring_id AS ring_id, ring.status AS status, ring.size AS size, ring.score AS score,
       ring.exposure AS exposure, ring.shared_entities AS shared_entities,
       COUNT { (u:User)-[:MEMBER_OF]->(ring) WHERE u.flagged = true } AS flagged_members,
       ring.first_seen AS first_seen, ring.last_seen AS last_seen, ring.scored_at AS scored_at,
       ring.created_at AS created_at, ring.grown_at AS grown_at, ring.model_version AS model_version
ORDER BY score DESC, ring_id
LIMIT coalesce($limit, 25)
