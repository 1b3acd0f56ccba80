// Rings to work: sorted and filtered by exposure, size, risk, status and review state
//
// One row per ring whose status is in $statuses and whose stored size is at least
// $min_size: its exposure (what its members paid to merchants), size, risk (mean
// member risk), how many of its members carry a verdict (reviewed) and how many
// of those are "fraud", and its review state: "unreviewed" (no member has a
// verdict), "partial" or "reviewed" (every member has one). Sorted by $sort,
// largest first: exposure, size or risk. The data's own time span of the ring
// (first_seen, last_seen) and when scoring wrote it (scored_at) come last.
//
// Parameters:
//   $sort      STRING        largest first (one of: exposure, size, risk)
//                            (default exposure)
//   $statuses  LIST<STRING>  ring statuses to include (one of: active, merged,
//                            dissolved) (default active)
//   $review    STRING        only rings in this review state (one of: unreviewed,
//                            partial, reviewed) (optional)
//   $min_size  INTEGER       fewest members (default 2)
//   $limit     INTEGER       rings to return (default 200)
//
// Example:
//   graphrisk query ring_list --param sort=size --param review=unreviewed
MATCH (ring:Ring)
WHERE ring.status IN coalesce($statuses, ['active'])
  AND ring.size >= coalesce($min_size, 2)
CALL (ring) {
  OPTIONAL MATCH (u:User)-[:MEMBER_OF]->(ring)
  RETURN count(u) AS members, count(u.verdict) AS reviewed,
         count(CASE WHEN u.verdict = 'fraud' THEN 1 END) AS confirmed_fraud
}
WITH ring, members, reviewed, confirmed_fraud,
     CASE WHEN reviewed = 0 THEN 'unreviewed' WHEN reviewed < members THEN 'partial' ELSE 'reviewed' END AS review_state
WHERE $review IS NULL OR review_state = $review
RETURN ring.ring_id AS ring_id, ring.status AS status, ring.exposure AS exposure, ring.size AS size,
       ring.score AS risk, members, reviewed, confirmed_fraud, review_state,
       ring.first_seen AS first_seen, ring.last_seen AS last_seen, ring.scored_at AS scored_at
ORDER BY CASE coalesce($sort, 'exposure') WHEN 'size' THEN toFloat(ring.size) WHEN 'risk' THEN ring.score
         ELSE ring.exposure END DESC, ring_id
LIMIT coalesce($limit, 200)
