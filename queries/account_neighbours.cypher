// The neighbours of one account, identifier or merchant, for expanding a drawing
//
// Up to $limit rows for the node of kind $kind (user, merchant, device, card, ip,
// email, phone, address) and key $key: each node next to it through USED, PAID or
// SENT, named like "device:d1", with its risk and flag when it has them, the kind
// of tie (used, paid, sent) and its direction ("out" from the node, "in" to it),
// amount, transaction count, and first and last dates. Accounts with the highest
// risk come first, then the largest amounts. No row: no such node, or no neighbour.
//
// Parameters:
//   $kind   STRING   the node's kind (one of: user, merchant, device, card, ip,
//                    email, phone, address) (required)
//   $key    STRING   its id: user_id, merchant_id, device_id... (required)
//   $limit  INTEGER  neighbours to return (default 25)
//
// Example:
//   graphrisk query account_neighbours --param kind=device --param key=d1
CALL () {
  MATCH (n:User {user_id: $key}) WHERE $kind = 'user' RETURN n
  UNION
  MATCH (n:Merchant {merchant_id: $key}) WHERE $kind = 'merchant' RETURN n
  UNION
  MATCH (n:Device {device_id: $key}) WHERE $kind = 'device' RETURN n
  UNION
  MATCH (n:Card {card_id: $key}) WHERE $kind = 'card' RETURN n
  UNION
  MATCH (n:IP {ip_id: $key}) WHERE $kind = 'ip' RETURN n
  UNION
  MATCH (n:Email {email_id: $key}) WHERE $kind = 'email' RETURN n
  UNION
  MATCH (n:Phone {phone_id: $key}) WHERE $kind = 'phone' RETURN n
  UNION
  MATCH (n:Address {address_id: $key}) WHERE $kind = 'address' RETURN n
}
MATCH (n)-[r:USED|PAID|SENT]-(o)
WITH n, r, o, toLower(labels(o)[0]) AS kind,
     coalesce(o.user_id, o.merchant_id, o.device_id, o.card_id, o.ip_id, o.email_id, o.phone_id, o.address_id) AS key
ORDER BY coalesce(o.risk_score, -1.0) DESC, coalesce(r.amount, 0.0) DESC, kind, key
LIMIT coalesce($limit, 25)
RETURN kind + ':' + key AS id, kind, key, o.risk_score AS risk, o.flagged AS flagged, toLower(type(r)) AS tie,
       CASE WHEN startNode(r) = n THEN 'out' ELSE 'in' END AS direction, r.amount AS amount, r.count AS count,
       r.first_seen AS first_seen, r.last_seen AS last_seen
