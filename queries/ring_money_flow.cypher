// Money flow between the members of one ring: transfers, chains and cycles
//
// The SENT relationships among the members of $ring_id, in three kinds of rows:
// "cycle": money that comes back to where it started (2 to 4 transfers, each account
// once, listed once from its smallest user_id); "chain": a path of 2 to 6 transfers
// from a member no member pays to, ending at a member that pays no further member
// off the path (longer chains are cut at 6); "transfer": each single transfer.
// users lists the accounts in order (a cycle repeats its first), amounts the
// transfer totals; min_amount is the most that can have gone all the way through.
// Cycles first, then chains, then transfers; largest total first within a kind.
//
// Parameters:
//   $ring_id  STRING   the ring (required)
//   $limit    INTEGER  rows to return (default 200)
//
// Example:
//   graphrisk query ring_money_flow --param ring_id=R1
MATCH (:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m:User)
WITH collect(m) AS members
CALL (members) {
  UNWIND members AS a
  MATCH p = (a)-[:SENT*2..4]->(a)
  WHERE all(n IN nodes(p) WHERE n IN members AND a.user_id <= n.user_id)
    AND all(i IN range(0, length(p) - 2) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..length(p)])
  RETURN 'cycle' AS kind, nodes(p) AS path_nodes, relationships(p) AS rels
  UNION ALL
  UNWIND members AS a
  MATCH p = (a)-[:SENT*2..6]->(b:User)
  WHERE all(n IN nodes(p) WHERE n IN members)
    AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
    AND NOT EXISTS { MATCH (x:User)-[:SENT]->(a) WHERE x IN members AND x <> a }
    AND (length(p) = 6 OR NOT EXISTS { MATCH (b)-[:SENT]->(y:User) WHERE y IN members AND NOT y IN nodes(p) })
  RETURN 'chain' AS kind, nodes(p) AS path_nodes, relationships(p) AS rels
  UNION ALL
  UNWIND members AS a
  MATCH (a)-[s:SENT]->(b:User)
  WHERE b IN members
  RETURN 'transfer' AS kind, [a, b] AS path_nodes, [s] AS rels
}
CALL (rels) {
  UNWIND rels AS r
  RETURN toFloat(sum(r.amount)) AS total_amount, toFloat(min(r.amount)) AS min_amount,
         min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen
}
RETURN kind, [n IN path_nodes | n.user_id] AS users, [r IN rels | r.amount] AS amounts, total_amount, min_amount,
       size(rels) AS hops, first_seen, last_seen
ORDER BY CASE kind WHEN 'cycle' THEN 0 WHEN 'chain' THEN 1 ELSE 2 END, total_amount DESC, users
LIMIT coalesce($limit, 200)
