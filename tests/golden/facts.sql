-- The facts derived from the canonical tables and stored in the DuckDB file after an import
-- (cxmetrics.facts.tickets.base_facts, Store.refresh_facts). Metrics read them (tests/golden/sql).

-- _fact_messages (a temporary table during the refresh)
SELECT
  "t2"."message_id",
  "t2"."ticket_id",
  "t2"."created_at",
  "t2"."author_type",
  "t2"."author_id",
  "t2"."public",
  "t2"."channel",
  "t2"."_rn",
  (
    "t2"."author_type" = 'agent'
  )
  AND "t2"."public"
  AND NOT (
    (
      "t2"."_rn" = 0
    )
    AND (
      (
        "t2"."author_type" = 'agent'
      ) AND "t2"."public"
    )
  ) AS "is_reply",
  "t2"."author_type" = 'customer' AS "is_customer"
FROM (
  SELECT
    "t1"."message_id",
    "t1"."ticket_id",
    "t1"."created_at",
    "t1"."author_type",
    "t1"."author_id",
    COALESCE("t1"."public", TRUE) AS "public",
    "t1"."channel",
    ROW_NUMBER() OVER (
      PARTITION BY "t1"."ticket_id"
      ORDER BY "t1"."created_at" ASC, "t1"."message_id" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM (
    SELECT
      "t0"."message_id",
      "t0"."ticket_id",
      "t0"."created_at",
      "t0"."author_type",
      "t0"."author_id",
      "t0"."public",
      "t0"."channel"
    FROM "messages" AS "t0"
  ) AS "t1"
) AS "t2";

-- _fact_spans (stored)
WITH "t5" AS (
  SELECT
    "t2"."ticket_id",
    "t2"."changed_at",
    "t2"."to_status",
    "t2"."from_status",
    LEAD("t2"."changed_at") OVER (
      PARTITION BY "t2"."ticket_id"
      ORDER BY "t2"."changed_at" ASC, "t2"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t2"."ticket_id"
      ORDER BY "t2"."changed_at" ASC, "t2"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."changed_at",
      "t0"."to_status",
      "t0"."from_status"
    FROM "status_changes" AS "t0"
  ) AS "t2"
)
SELECT
  *
FROM (
  SELECT
    "t6"."ticket_id",
    "t6"."to_status" AS "status",
    "t6"."changed_at" AS "span_start",
    "t6"."_next" AS "span_end"
  FROM "t5" AS "t6"
  WHERE
    "t6"."_next" IS NOT NULL
) AS "t7"
UNION ALL
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t9"."ticket_id",
      COALESCE("t9"."from_status", 'new') AS "status",
      "t4"."created_at" AS "span_start",
      "t9"."changed_at" AS "span_end"
    FROM (
      SELECT
        *
      FROM "t5" AS "t6"
      WHERE
        "t6"."_rn" = 0
    ) AS "t9"
    INNER JOIN (
      SELECT
        "t1"."ticket_id",
        "t1"."created_at"
      FROM "tickets" AS "t1"
    ) AS "t4"
      ON "t9"."ticket_id" = "t4"."ticket_id"
  ) AS "t10"
  WHERE
    "t10"."span_end" > "t10"."span_start"
) AS "t11";

-- _fact_tickets (stored)
SELECT
  "t23"."ticket_id",
  "t23"."created_at",
  "t23"."channel",
  "t23"."category",
  "t23"."priority",
  "t23"."team",
  "t23"."agent_id",
  "t23"."brand",
  "t23"."product",
  "t23"."language",
  "t23"."customer_id",
  "t23"."status",
  "t23"."created_by",
  "t23"."has_messages",
  "t23"."has_status_changes",
  "t23"."first_reply_at",
  "t23"."replies",
  "t23"."reply_agents",
  "t23"."reopens",
  "t23"."is_resolved",
  "t23"."first_resolved_at",
  "t23"."resolved_at",
  "t23"."handle_seconds",
  "t23"."next_contact_at",
  CASE
    WHEN "t23"."has_status_changes"
    THEN COALESCE("t23"."requester_wait_s", 0.0)
    ELSE NULL
  END AS "requester_wait_s",
  CASE
    WHEN "t23"."has_status_changes"
    THEN COALESCE("t23"."agent_wait_s", 0.0)
    ELSE NULL
  END AS "agent_wait_s",
  CASE
    WHEN "t23"."has_status_changes"
    THEN COALESCE("t23"."on_hold_s", 0.0)
    ELSE NULL
  END AS "on_hold_s"
FROM (
  SELECT
    "t22".*
    EXCLUDE ("ticket_id_right")
  FROM (
    SELECT
      "t21"."ticket_id",
      "t21"."created_at",
      "t21"."channel",
      "t21"."category",
      "t21"."priority",
      "t21"."team",
      "t21"."agent_id",
      "t21"."brand",
      "t21"."product",
      "t21"."language",
      "t21"."customer_id",
      "t21"."status",
      "t21"."created_by",
      "t21"."has_messages",
      "t21"."has_status_changes",
      "t21"."first_reply_at",
      "t21"."replies",
      "t21"."reply_agents",
      "t21"."reopens",
      "t21"."is_resolved",
      "t21"."first_resolved_at",
      "t21"."resolved_at",
      "t21"."handle_seconds",
      "t21"."next_contact_at",
      "t15"."ticket_id" AS "ticket_id_right",
      "t15"."requester_wait_s",
      "t15"."agent_wait_s",
      "t15"."on_hold_s"
    FROM (
      SELECT
        "t19"."ticket_id",
        "t19"."created_at",
        "t19"."channel",
        "t19"."category",
        "t19"."priority",
        "t19"."team",
        "t19"."agent_id",
        "t19"."brand",
        "t19"."product",
        "t19"."language",
        "t19"."customer_id",
        "t19"."status",
        "t19"."created_by",
        "t19"."has_messages",
        "t19"."has_status_changes",
        "t19"."first_reply_at",
        "t19"."replies",
        "t19"."reply_agents",
        "t19"."reopens",
        "t19"."is_resolved",
        "t19"."first_resolved_at",
        "t19"."resolved_at",
        "t19"."handle_seconds",
        CASE
          WHEN (
            "t19"."customer_id" IS NOT NULL
          ) AND (
            "t19"."category" IS NOT NULL
          )
          THEN LEAD("t19"."created_at") OVER (
            PARTITION BY "t19"."customer_id", "t19"."category"
            ORDER BY "t19"."created_at" ASC, "t19"."ticket_id" ASC
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
          )
          ELSE NULL
        END AS "next_contact_at"
      FROM (
        SELECT
          "t8"."ticket_id",
          "t8"."created_at",
          "t8"."channel",
          "t8"."category",
          "t8"."priority",
          "t8"."team",
          "t8"."agent_id",
          "t8"."brand",
          "t8"."product",
          "t8"."language",
          "t8"."customer_id",
          "t8"."status",
          "t8"."created_by",
          "t10"."m_count" IS NOT NULL AS "has_messages",
          "t18"."s_count" IS NOT NULL AS "has_status_changes",
          CASE
            WHEN "t10"."m_count" IS NOT NULL
            THEN "t10"."m_first_reply_at"
            ELSE "t8"."first_reply_at"
          END AS "first_reply_at",
          CASE WHEN "t10"."m_count" IS NOT NULL THEN "t10"."m_replies" ELSE "t8"."replies" END AS "replies",
          CASE
            WHEN "t10"."m_count" IS NOT NULL
            THEN "t10"."m_reply_agents"
            ELSE CASE
              WHEN CASE WHEN "t10"."m_count" IS NOT NULL THEN "t10"."m_replies" ELSE "t8"."replies" END > 0
              THEN 1
              ELSE 0
            END
          END AS "reply_agents",
          CASE
            WHEN "t18"."s_count" IS NOT NULL
            THEN "t18"."s_reopens"
            ELSE COALESCE("t8"."reopens", 0)
          END AS "reopens",
          COALESCE(
            CASE
              WHEN "t18"."s_count" IS NOT NULL
              THEN "t18"."s_current" IN ('solved', 'closed')
              ELSE "t8"."status" IN ('solved', 'closed')
              OR (
                (
                  "t8"."status" IS NULL
                ) AND (
                  "t8"."solved_at" IS NOT NULL
                )
              )
            END,
            FALSE
          ) AS "is_resolved",
          CASE
            WHEN "t18"."s_count" IS NOT NULL
            THEN "t18"."s_first_resolved_at"
            ELSE "t8"."solved_at"
          END AS "first_resolved_at",
          CASE
            WHEN COALESCE(
              CASE
                WHEN "t18"."s_count" IS NOT NULL
                THEN "t18"."s_current" IN ('solved', 'closed')
                ELSE "t8"."status" IN ('solved', 'closed')
                OR (
                  (
                    "t8"."status" IS NULL
                  ) AND (
                    "t8"."solved_at" IS NOT NULL
                  )
                )
              END,
              FALSE
            )
            THEN CASE
              WHEN "t18"."s_count" IS NOT NULL
              THEN "t18"."s_last_resolved_at"
              ELSE "t8"."solved_at"
            END
            ELSE NULL
          END AS "resolved_at",
          COALESCE("t16"."w_handle", "t8"."handle_seconds") AS "handle_seconds"
        FROM (
          SELECT
            "t1"."ticket_id",
            "t1"."created_at",
            "t1"."channel",
            "t1"."category",
            "t1"."priority",
            "t1"."status",
            "t1"."customer_id",
            "t1"."agent_id",
            "t1"."team",
            "t1"."brand",
            "t1"."product",
            "t1"."language",
            "t1"."created_by",
            "t1"."first_reply_at",
            "t1"."solved_at",
            "t1"."reopens",
            "t1"."replies",
            "t1"."handle_seconds",
            "t1"."satisfaction"
          FROM "tickets" AS "t1"
        ) AS "t8"
        LEFT OUTER JOIN (
          SELECT
            "t2"."ticket_id",
            COUNT(*) AS "m_count",
            MIN("t2"."created_at") FILTER(WHERE
              "t2"."is_reply") AS "m_first_reply_at",
            SUM(CAST("t2"."is_reply" AS BIGINT)) AS "m_replies",
            COUNT(DISTINCT "t2"."author_id") FILTER(WHERE
              "t2"."is_reply") AS "m_reply_agents"
          FROM "_fact_messages" AS "t2"
          GROUP BY
            1
        ) AS "t10"
          ON "t8"."ticket_id" = "t10"."ticket_id"
        LEFT OUTER JOIN (
          SELECT
            "t12"."ticket_id",
            COUNT(*) AS "s_count",
            MIN("t12"."changed_at") FILTER(WHERE
              "t12"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
            MAX("t12"."changed_at") FILTER(WHERE
              "t12"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
            ANY_VALUE("t12"."to_status") FILTER(WHERE
              "t12"."_rn_desc" = 0) AS "s_current",
            SUM(
              CAST("t12"."_prev" IN ('solved', 'closed')
              AND NOT (
                "t12"."to_status" IN ('solved', 'closed')
              ) AS BIGINT)
            ) AS "s_reopens"
          FROM (
            SELECT
              "t7"."ticket_id",
              "t7"."changed_at",
              "t7"."to_status",
              "t7"."from_status",
              COALESCE(
                "t7"."from_status",
                LAG("t7"."to_status") OVER (
                  PARTITION BY "t7"."ticket_id"
                  ORDER BY "t7"."changed_at" ASC, "t7"."to_status" ASC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                )
              ) AS "_prev",
              ROW_NUMBER() OVER (
                PARTITION BY "t7"."ticket_id"
                ORDER BY "t7"."changed_at" DESC, "t7"."to_status" DESC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_rn_desc"
            FROM (
              SELECT
                "t4"."ticket_id",
                "t4"."changed_at",
                "t4"."to_status",
                "t4"."from_status"
              FROM "status_changes" AS "t4"
            ) AS "t7"
          ) AS "t12"
          GROUP BY
            1
        ) AS "t18"
          ON "t8"."ticket_id" = "t18"."ticket_id"
        LEFT OUTER JOIN (
          SELECT
            "t6"."ticket_id",
            SUM(
              COALESCE(
                "t6"."seconds",
                CAST(CAST(FLOOR(EPOCH(CAST("t6"."ended_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t6"."started_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
              )
            ) AS "w_handle",
            COUNT(
              COALESCE(
                "t6"."seconds",
                CAST(CAST(FLOOR(EPOCH(CAST("t6"."ended_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t6"."started_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
              )
            ) AS "w_sessions"
          FROM (
            SELECT
              "t3"."ticket_id",
              "t3"."agent_id",
              "t3"."started_at",
              "t3"."ended_at",
              "t3"."seconds"
            FROM "work_sessions" AS "t3"
          ) AS "t6"
          GROUP BY
            1
        ) AS "t16"
          ON "t8"."ticket_id" = "t16"."ticket_id"
      ) AS "t19"
    ) AS "t21"
    LEFT OUTER JOIN (
      SELECT
        "t11"."ticket_id",
        SUM("t11"."span_s") FILTER(WHERE
          "t11"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
        SUM("t11"."span_s") FILTER(WHERE
          "t11"."status" IN ('pending')) AS "agent_wait_s",
        SUM("t11"."span_s") FILTER(WHERE
          "t11"."status" IN ('on_hold')) AS "on_hold_s"
      FROM (
        SELECT
          "t0"."ticket_id",
          "t0"."status",
          "t0"."span_start",
          "t0"."span_end",
          CAST(CAST(FLOOR(EPOCH(CAST("t0"."span_end" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t0"."span_start" AS TIMESTAMP))) AS BIGINT) AS DOUBLE) AS "span_s"
        FROM "_fact_spans" AS "t0"
      ) AS "t11"
      GROUP BY
        1
    ) AS "t15"
      ON "t21"."ticket_id" = "t15"."ticket_id"
  ) AS "t22"
) AS "t23";

-- _fact_waits (stored)
SELECT
  "t13"."ticket_id",
  "t13"."wait_start",
  "t13"."reply_at",
  "t3"."channel",
  "t3"."category",
  "t3"."priority",
  "t3"."team",
  "t3"."agent_id",
  "t3"."brand",
  "t3"."product",
  "t3"."language",
  "t3"."customer_id",
  "t3"."status",
  "t3"."created_by"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t10"."ticket_id",
      "t10"."wait_start",
      "t10"."reply_at"
    FROM (
      SELECT
        "t9"."ticket_id",
        "t9"."_grp",
        MIN("t9"."created_at") FILTER(WHERE
          "t9"."is_customer") AS "wait_start",
        MIN("t9"."created_at") FILTER(WHERE
          "t9"."is_reply") AS "reply_at"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t7"."message_id",
            "t7"."ticket_id",
            "t7"."created_at",
            "t7"."author_type",
            "t7"."author_id",
            "t7"."public",
            "t7"."channel",
            "t7"."_rn",
            "t7"."is_reply",
            "t7"."is_customer",
            "t7"."_prev",
            "t7"."_start",
            SUM("t7"."_start") OVER (
              PARTITION BY "t7"."ticket_id"
              ORDER BY "t7"."created_at" ASC, "t7"."message_id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS "_grp"
          FROM (
            SELECT
              "t6"."message_id",
              "t6"."ticket_id",
              "t6"."created_at",
              "t6"."author_type",
              "t6"."author_id",
              "t6"."public",
              "t6"."channel",
              "t6"."_rn",
              "t6"."is_reply",
              "t6"."is_customer",
              "t6"."_prev",
              CAST("t6"."is_customer"
              AND (
                (
                  "t6"."_prev" IS NULL
                ) OR NOT (
                  "t6"."_prev"
                )
              ) AS BIGINT) AS "_start"
            FROM (
              SELECT
                "t4"."message_id",
                "t4"."ticket_id",
                "t4"."created_at",
                "t4"."author_type",
                "t4"."author_id",
                "t4"."public",
                "t4"."channel",
                "t4"."_rn",
                "t4"."is_reply",
                "t4"."is_customer",
                LAG("t4"."is_customer") OVER (
                  PARTITION BY "t4"."ticket_id"
                  ORDER BY "t4"."created_at" ASC, "t4"."message_id" ASC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) AS "_prev"
              FROM (
                SELECT
                  *
                FROM "_fact_messages" AS "t1"
                WHERE
                  "t1"."is_customer" OR "t1"."is_reply"
              ) AS "t4"
            ) AS "t6"
          ) AS "t7"
        ) AS "t8"
        WHERE
          "t8"."_grp" > 0
      ) AS "t9"
      GROUP BY
        1,
        2
    ) AS "t10"
    WHERE
      "t10"."reply_at" IS NOT NULL
  ) AS "t11"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."created_at" AS "wait_start",
      "t0"."first_reply_at" AS "reply_at"
    FROM "_fact_tickets" AS "t0"
    WHERE
      NOT (
        "t0"."has_messages"
      )
      AND "t0"."first_reply_at" IS NOT NULL
      AND (
        (
          "t0"."created_by" IS NULL
        ) OR (
          "t0"."created_by" <> 'agent'
        )
      )
  ) AS "t5"
) AS "t13"
INNER JOIN (
  SELECT
    "t0"."ticket_id",
    "t0"."channel",
    "t0"."category",
    "t0"."priority",
    "t0"."team",
    "t0"."agent_id",
    "t0"."brand",
    "t0"."product",
    "t0"."language",
    "t0"."customer_id",
    "t0"."status",
    "t0"."created_by"
  FROM "_fact_tickets" AS "t0"
) AS "t3"
  ON "t13"."ticket_id" = "t3"."ticket_id";

-- _fact_events (stored)
SELECT
  "t12"."ticket_id",
  "t12"."instant",
  "t12"."delta",
  "t5"."channel",
  "t5"."category",
  "t5"."priority",
  "t5"."team",
  "t5"."agent_id",
  "t5"."brand",
  "t5"."product",
  "t5"."language",
  "t5"."customer_id",
  "t5"."status",
  "t5"."created_by"
FROM (
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t0"."ticket_id",
        "t0"."created_at" AS "instant",
        1 AS "delta"
      FROM "_fact_tickets" AS "t0"
    ) AS "t3"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t8"."ticket_id",
        "t8"."changed_at" AS "instant",
        CAST("t8"."delta" AS BIGINT) AS "delta"
      FROM (
        SELECT
          "t7"."ticket_id",
          "t7"."changed_at",
          "t7"."to_status",
          "t7"."from_status",
          "t7"."_prev",
          CASE
            WHEN "t7"."to_status" IN ('solved', 'closed')
            AND NOT (
              (
                "t7"."_prev" IS NOT NULL
              ) AND "t7"."_prev" IN ('solved', 'closed')
            )
            THEN -1
            WHEN NOT (
              "t7"."to_status" IN ('solved', 'closed')
            )
            AND (
              (
                "t7"."_prev" IS NOT NULL
              ) AND "t7"."_prev" IN ('solved', 'closed')
            )
            THEN 1
            ELSE 0
          END AS "delta"
        FROM (
          SELECT
            "t4"."ticket_id",
            "t4"."changed_at",
            "t4"."to_status",
            "t4"."from_status",
            COALESCE(
              "t4"."from_status",
              LAG("t4"."to_status") OVER (
                PARTITION BY "t4"."ticket_id"
                ORDER BY "t4"."changed_at" ASC, "t4"."to_status" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              )
            ) AS "_prev"
          FROM (
            SELECT
              "t1"."ticket_id",
              "t1"."changed_at",
              "t1"."to_status",
              "t1"."from_status"
            FROM "status_changes" AS "t1"
          ) AS "t4"
        ) AS "t7"
      ) AS "t8"
      WHERE
        "t8"."delta" <> 0
    ) AS "t9"
  ) AS "t10"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t0"."ticket_id",
      "t0"."resolved_at" AS "instant",
      -1 AS "delta"
    FROM "_fact_tickets" AS "t0"
    WHERE
      NOT (
        "t0"."has_status_changes"
      )
      AND "t0"."is_resolved"
      AND "t0"."resolved_at" IS NOT NULL
  ) AS "t6"
) AS "t12"
INNER JOIN (
  SELECT
    "t0"."ticket_id",
    "t0"."channel",
    "t0"."category",
    "t0"."priority",
    "t0"."team",
    "t0"."agent_id",
    "t0"."brand",
    "t0"."product",
    "t0"."language",
    "t0"."customer_id",
    "t0"."status",
    "t0"."created_by"
  FROM "_fact_tickets" AS "t0"
) AS "t5"
  ON "t12"."ticket_id" = "t5"."ticket_id";
