// History of one ring: the rings merged into it and what it merged into
//
// One row per ring in the merge lineage of $ring_id, following MERGED_INTO up to 10
// steps each way: rings merged into it (relation "merged_in", distance -1 for a direct
// merge, -2 for a ring merged into one of those...), the ring itself ("self", 0), and
// the rings it was merged into ("successor", 1, 2...). Each with its status, stored
// size and score, dates, where it went (merged_into, merged_at from its MERGED_INTO
// relationship), the span of its members' activity in the data (first_seen,
// last_seen) and its members now.
//
// Parameters:
//   $ring_id  STRING  the ring (must exist: ring) (required)
//
// Example:
//   graphrisk query ring_history --param ring_id=R1
MATCH (ring:Ring {ring_id: $ring_id})
CALL (ring) {
  MATCH p = (r:Ring)-[:MERGED_INTO*1..10]->(ring)
  WITH r, min(length(p)) AS steps
  RETURN r, 'merged_in' AS relation, -steps AS distance
  UNION ALL
  RETURN ring AS r, 'self' AS relation, 0 AS distance
  UNION ALL
  MATCH p = (ring)-[:MERGED_INTO*1..10]->(r:Ring)
  WITH r, min(length(p)) AS steps
  RETURN r, 'successor' AS relation, steps AS distance
}
OPTIONAL MATCH (r)-[step:MERGED_INTO]->(next:Ring)
RETURN r.ring_id AS ring_id, relation, distance, r.status AS status, r.size AS size, r.score AS score,
       r.exposure AS exposure, r.first_seen AS first_seen, r.last_seen AS last_seen, r.scored_at AS scored_at,
       r.created_at AS created_at, r.updated_at AS updated_at,
       next.ring_id AS merged_into, step.at AS merged_at,
       COUNT { (:User)-[:MEMBER_OF]->(r) } AS members_now
ORDER BY distance, ring_id
