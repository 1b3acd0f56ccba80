// Highest-risk accounts with their devices and merchants
//
// The $limit accounts with the highest risk_score written by scoring (at least
// $min_score; only flagged ones when $flagged_only), each with its ring and reasons,
// the devices it used (most transactions first) and the merchants it paid (largest
// total first), at most $max_items of each, the full counts, and its current
// verdict (verdict, verdict_by, verdict_at; null before any review).
//
// Parameters:
//   $limit         INTEGER  accounts to return (default 25)
//   $min_score     FLOAT    lowest risk_score shown (default 0.0)
//   $flagged_only  BOOLEAN  only accounts the model flagged (default false)
//   $max_items     INTEGER  devices and merchants listed per account (default 5)
//
// Example:
//   graphrisk query top_risk_users --param limit=10 --param flagged_only=true
MATCH (u:User)
WHERE u.risk_score >= coalesce($min_score, 0.0)
  AND (NOT coalesce($flagged_only, false) OR u.flagged = true)
WITH u
ORDER BY u.risk_score DESC, u.user_id
LIMIT coalesce($limit, 25)
CALL (u) {
  MATCH (u)-[r:USED]->(d:Device)
  WITH d, r ORDER BY r.count DESC, d.device_id
  RETURN collect(d.device_id) AS devices
}
CALL (u) {
  MATCH (u)-[p:PAID]->(m:Merchant)
  WITH m, p ORDER BY p.amount DESC, m.merchant_id
  RETURN collect(m.merchant_id) AS merchants, toFloat(sum(p.amount)) AS paid_amount
}
RETURN u.user_id AS user_id, u.risk_score AS risk_score, u.flagged AS flagged, u.ring_id AS ring_id,
       u.risk_reasons AS risk_reasons, u.verdict AS verdict, u.verdict_by AS verdict_by, u.verdict_at AS verdict_at,
       devices[..coalesce($max_items, 5)] AS devices, size(devices) AS device_count,
       merchants[..coalesce($max_items, 5)] AS merchants, size(merchants) AS merchant_count, paid_amount
ORDER BY risk_score DESC, user_id
