// Flagged accounts not yet reviewed: the review queue
//
// Accounts the model flagged that have no verdict yet (no HAS_VERDICT record and no
// verdict on the account), the accounts in the most exposed rings first, then by
// risk_score: ring_exposure is the stored exposure of the account's ring (null
// outside a ring, listed after the rings). Each with its ring, its risk reasons and
// when it was scored. Record a verdict with `graphrisk verdict USER fraud|legit|unsure`
// and the account leaves the queue. Give $ring_id for one ring's queue. waiting is
// the length of the whole queue (the same on every row), however many rows $limit keeps.
//
// Parameters:
//   $ring_id  STRING   only the accounts of this ring (must exist: ring) (optional)
//   $limit    INTEGER  accounts to return (default 100)
//
// Example:
//   graphrisk query review_queue --param limit=50
//   graphrisk query review_queue --param ring_id=R1 --param limit=20
MATCH (u:User {flagged: true})
WHERE u.verdict IS NULL AND NOT EXISTS { (u)-[:HAS_VERDICT]->(:Verdict) }
  AND ($ring_id IS NULL OR u.ring_id = $ring_id)
WITH collect(u) AS queue
UNWIND queue AS u
WITH u, size(queue) AS waiting
OPTIONAL MATCH (ring:Ring {ring_id: u.ring_id})
RETURN u.user_id AS user_id, u.risk_score AS risk_score, u.ring_id AS ring_id, ring.exposure AS ring_exposure,
       ring.status AS ring_status, ring.size AS ring_size, u.risk_reasons AS risk_reasons, u.scored_at AS scored_at, waiting
ORDER BY coalesce(ring_exposure, -1.0) DESC, coalesce(risk_score, -1.0) DESC, user_id
LIMIT coalesce($limit, 100)
