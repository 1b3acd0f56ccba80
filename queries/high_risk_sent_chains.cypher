// Chains of transfers through high-risk accounts
//
// Money passed on through two or more high-risk accounts in a row: SENT paths of 2 to 5
// transfers of at least $min_amount each, every account on them high-risk and none
// twice. High-risk means flagged by the model; with $min_score given it means a
// risk_score of at least $min_score instead (flagged or not), so every account on a
// returned chain has at least that score. The bound of 5 keeps the search over the
// whole graph bounded (paths are enumerated, so the work grows with the fan-out to
// the power of the length); ring_money_flow follows longer chains inside one ring. A chain starts at a high-risk account no high-risk account pays (such a
// transfer of $min_amount or more) and ends at one that pays no further high-risk
// account off the chain, or after 5 transfers. Cycles have no start: see
// ring_money_flow. Largest total first.
//
// Parameters:
//   $min_score   FLOAT    high-risk means a risk_score of at least this, instead of
//                         flagged (optional)
//   $min_amount  FLOAT    smallest transfer total followed (default 0.0)
//   $limit       INTEGER  chains to return (default 50)
//
// Example:
//   graphrisk query high_risk_sent_chains --param min_score=0.8 --param min_amount=100
MATCH (a:User)
WHERE (($min_score IS NULL AND a.flagged = true) OR a.risk_score >= $min_score)
  AND NOT EXISTS {
    MATCH (x:User)-[s:SENT]->(a)
    WHERE x <> a AND s.amount >= coalesce($min_amount, 0.0) AND (($min_score IS NULL AND x.flagged = true) OR x.risk_score >= $min_score)
  }
// the chain starts are fixed first; the path predicates use only parameters, so Neo4j
// checks them on each step of the expansion
WITH DISTINCT a
MATCH p = (a)-[:SENT*2..5]->(b:User)
WHERE all(n IN nodes(p) WHERE ($min_score IS NULL AND n.flagged = true) OR n.risk_score >= $min_score)
  AND all(r IN relationships(p) WHERE r.amount >= coalesce($min_amount, 0.0))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  AND (length(p) = 5 OR NOT EXISTS {
    MATCH (b)-[s:SENT]->(y:User)
    WHERE s.amount >= coalesce($min_amount, 0.0) AND (($min_score IS NULL AND y.flagged = true) OR y.risk_score >= $min_score)
      AND NOT y IN nodes(p)
  })
WITH p, relationships(p) AS rels
CALL (rels) {
  UNWIND rels AS r
  RETURN toFloat(sum(r.amount)) AS total_amount, toFloat(min(r.amount)) AS min_transfer,
         min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen
}
RETURN [n IN nodes(p) | n.user_id] AS users, [r IN rels | r.amount] AS amounts, length(p) AS hops,
       total_amount, min_transfer, [n IN nodes(p) | n.risk_score] AS risk_scores, first_seen, last_seen
ORDER BY total_amount DESC, users
LIMIT coalesce($limit, 50)
