WITH "t9" AS (
  SELECT
    "t4"."ticket_id",
    "t4"."changed_at",
    "t4"."to_status",
    "t4"."from_status"
  FROM "status_changes" AS "t4"
), "t15" AS (
  SELECT
    "t12"."ticket_id",
    "t12"."changed_at",
    "t12"."to_status",
    "t12"."from_status",
    LEAD("t12"."changed_at") OVER (
      PARTITION BY "t12"."ticket_id"
      ORDER BY "t12"."changed_at" ASC, "t12"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS "_next",
    ROW_NUMBER() OVER (
      PARTITION BY "t12"."ticket_id"
      ORDER BY "t12"."changed_at" ASC, "t12"."to_status" ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) - 1 AS "_rn"
  FROM "t9" AS "t12"
)
SELECT
  "t48"."period_start",
  "t48"."_d_channel" AS "channel",
  "t48"."n",
  "t48"."mean",
  "t48"."median",
  "t48"."p90",
  "t48"."std"
FROM (
  SELECT
    "t47"."period_start",
    "t47"."_d_channel",
    COUNT(CAST("t47"."contacts" AS DOUBLE)) AS "n",
    AVG(CAST("t47"."contacts" AS DOUBLE)) AS "mean",
    QUANTILE_CONT(CAST("t47"."contacts" AS DOUBLE), 0.5) AS "median",
    QUANTILE_CONT(CAST("t47"."contacts" AS DOUBLE), 0.9) AS "p90",
    STDDEV_SAMP(CAST("t47"."contacts" AS DOUBLE)) AS "std"
  FROM (
    SELECT
      "t46"."customer_id" || '|' || "t46"."category" || '|' || "t46"."first_id" AS "issue_id",
      "t46"."customer_id",
      "t46"."category",
      "t46"."channel",
      "t46"."first_contact_at",
      "t46"."last_contact_at",
      CASE
        WHEN "t46"."is_resolved"
        THEN "t46"."resolved_at"
        ELSE CAST(NULL AS TIMESTAMP)
      END AS "resolved_at",
      "t46"."contacts",
      "t46"."tickets",
      "t46"."calls",
      "t46"."channels",
      "t46"."is_resolved",
      CASE
        WHEN "t46"."is_resolved"
        THEN CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t46"."resolved_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t46"."first_contact_at") AS TIMESTAMP)) AS DOUBLE)
        ELSE CAST(NULL AS DOUBLE)
      END AS "resolution_s",
      "t46"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t46"."first_contact_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t46"."first_contact_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t45"."customer_id",
        "t45"."category",
        "t45"."_issue",
        "t45"."first_contact_at",
        "t45"."last_contact_at",
        "t45"."channel",
        "t45"."first_id",
        "t45"."last_resolved",
        "t45"."open_tickets",
        "t45"."resolved_at",
        "t45"."contacts",
        "t45"."tickets",
        "t45"."calls",
        "t45"."channels",
        (
          "t45"."open_tickets" = 0
        )
        AND COALESCE("t45"."last_resolved", FALSE)
        AND (
          "t45"."resolved_at" IS NOT NULL
        ) AS "is_resolved"
      FROM (
        SELECT
          "t44"."customer_id",
          "t44"."category",
          "t44"."_issue",
          MIN("t44"."at") AS "first_contact_at",
          MAX("t44"."at") AS "last_contact_at",
          ANY_VALUE("t44"."channel") FILTER(WHERE
            "t44"."_first" = 0) AS "channel",
          ANY_VALUE("t44"."contact_id") FILTER(WHERE
            "t44"."_first" = 0) AS "first_id",
          ANY_VALUE("t44"."resolved") FILTER(WHERE
            "t44"."_last" = 0) AS "last_resolved",
          SUM(CAST((
            "t44"."kind" = 'ticket'
          ) AND NOT (
            "t44"."resolved"
          ) AS BIGINT)) AS "open_tickets",
          MAX("t44"."resolved_at") AS "resolved_at",
          COUNT(*) AS "contacts",
          SUM(CAST("t44"."kind" = 'ticket' AS BIGINT)) AS "tickets",
          SUM(CAST("t44"."kind" = 'call' AS BIGINT)) AS "calls",
          COUNT(DISTINCT "t44"."channel") AS "channels"
        FROM (
          SELECT
            "t43"."contact_id",
            "t43"."kind",
            "t43"."customer_id",
            "t43"."category",
            "t43"."channel",
            "t43"."at",
            "t43"."resolved",
            "t43"."resolved_at",
            "t43"."_prev",
            "t43"."_new",
            "t43"."_issue",
            ROW_NUMBER() OVER (
              PARTITION BY "t43"."customer_id", "t43"."category", "t43"."_issue"
              ORDER BY "t43"."at" ASC, "t43"."kind" ASC, "t43"."contact_id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_first",
            ROW_NUMBER() OVER (
              PARTITION BY "t43"."customer_id", "t43"."category", "t43"."_issue"
              ORDER BY "t43"."at" DESC, "t43"."kind" DESC, "t43"."contact_id" DESC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_last"
          FROM (
            SELECT
              "t42"."contact_id",
              "t42"."kind",
              "t42"."customer_id",
              "t42"."category",
              "t42"."channel",
              "t42"."at",
              "t42"."resolved",
              "t42"."resolved_at",
              "t42"."_prev",
              "t42"."_new",
              SUM("t42"."_new") OVER (
                PARTITION BY "t42"."customer_id", "t42"."category"
                ORDER BY "t42"."at" ASC, "t42"."kind" ASC, "t42"."contact_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) AS "_issue"
            FROM (
              SELECT
                "t41"."contact_id",
                "t41"."kind",
                "t41"."customer_id",
                "t41"."category",
                "t41"."channel",
                "t41"."at",
                "t41"."resolved",
                "t41"."resolved_at",
                "t41"."_prev",
                CAST((
                  "t41"."_prev" IS NULL
                )
                OR (
                  "t41"."at" > (
                    "t41"."_prev" + INTERVAL '7' DAY
                  )
                ) AS BIGINT) AS "_new"
              FROM (
                SELECT
                  "t40"."contact_id",
                  "t40"."kind",
                  "t40"."customer_id",
                  "t40"."category",
                  "t40"."channel",
                  "t40"."at",
                  "t40"."resolved",
                  "t40"."resolved_at",
                  LAG("t40"."at") OVER (
                    PARTITION BY "t40"."customer_id", "t40"."category"
                    ORDER BY "t40"."at" ASC, "t40"."kind" ASC, "t40"."contact_id" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                  ) AS "_prev"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t38"."ticket_id" AS "contact_id",
                      'ticket' AS "kind",
                      "t38"."customer_id",
                      "t38"."category",
                      "t38"."channel",
                      CAST("t38"."created_at" AS TIMESTAMP) AS "at",
                      COALESCE("t38"."is_resolved", FALSE) AS "resolved",
                      CAST("t38"."resolved_at" AS TIMESTAMP) AS "resolved_at"
                    FROM (
                      SELECT
                        "t37".*
                        EXCLUDE ("ticket_id_right")
                      FROM (
                        SELECT
                          "t35"."ticket_id",
                          "t35"."created_at",
                          "t35"."channel",
                          "t35"."category",
                          "t35"."priority",
                          "t35"."team",
                          "t35"."agent_id",
                          "t35"."brand",
                          "t35"."product",
                          "t35"."language",
                          "t35"."customer_id",
                          "t35"."status",
                          "t35"."created_by",
                          "t35"."has_messages",
                          "t35"."has_status_changes",
                          "t35"."first_reply_at",
                          "t35"."replies",
                          "t35"."reply_agents",
                          "t35"."reopens",
                          "t35"."is_resolved",
                          "t35"."first_resolved_at",
                          "t35"."resolved_at",
                          "t35"."handle_seconds",
                          "t35"."next_contact_at",
                          "t36"."ticket_id" AS "ticket_id_right",
                          "t36"."requester_wait_s",
                          "t36"."agent_wait_s",
                          "t36"."on_hold_s"
                        FROM (
                          SELECT
                            "t31"."ticket_id",
                            "t31"."created_at",
                            "t31"."channel",
                            "t31"."category",
                            "t31"."priority",
                            "t31"."team",
                            "t31"."agent_id",
                            "t31"."brand",
                            "t31"."product",
                            "t31"."language",
                            "t31"."customer_id",
                            "t31"."status",
                            "t31"."created_by",
                            "t31"."has_messages",
                            "t31"."has_status_changes",
                            "t31"."first_reply_at",
                            "t31"."replies",
                            "t31"."reply_agents",
                            "t31"."reopens",
                            "t31"."is_resolved",
                            "t31"."first_resolved_at",
                            "t31"."resolved_at",
                            "t31"."handle_seconds",
                            CASE
                              WHEN (
                                "t31"."customer_id" IS NOT NULL
                              ) AND (
                                "t31"."category" IS NOT NULL
                              )
                              THEN LEAD("t31"."created_at") OVER (
                                PARTITION BY "t31"."customer_id", "t31"."category"
                                ORDER BY "t31"."created_at" ASC, "t31"."ticket_id" ASC
                                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                              )
                              ELSE NULL
                            END AS "next_contact_at"
                          FROM (
                            SELECT
                              "t11"."ticket_id",
                              "t11"."created_at",
                              "t11"."channel",
                              "t11"."category",
                              "t11"."priority",
                              "t11"."team",
                              "t11"."agent_id",
                              "t11"."brand",
                              "t11"."product",
                              "t11"."language",
                              "t11"."customer_id",
                              "t11"."status",
                              "t11"."created_by",
                              "t28"."m_count" IS NOT NULL AS "has_messages",
                              "t25"."s_count" IS NOT NULL AS "has_status_changes",
                              CASE
                                WHEN "t28"."m_count" IS NOT NULL
                                THEN "t28"."m_first_reply_at"
                                ELSE "t11"."first_reply_at"
                              END AS "first_reply_at",
                              CASE
                                WHEN "t28"."m_count" IS NOT NULL
                                THEN "t28"."m_replies"
                                ELSE "t11"."replies"
                              END AS "replies",
                              CASE
                                WHEN "t28"."m_count" IS NOT NULL
                                THEN "t28"."m_reply_agents"
                                ELSE CASE
                                  WHEN CASE
                                    WHEN "t28"."m_count" IS NOT NULL
                                    THEN "t28"."m_replies"
                                    ELSE "t11"."replies"
                                  END > 0
                                  THEN 1
                                  ELSE 0
                                END
                              END AS "reply_agents",
                              CASE
                                WHEN "t25"."s_count" IS NOT NULL
                                THEN "t25"."s_reopens"
                                ELSE COALESCE("t11"."reopens", 0)
                              END AS "reopens",
                              COALESCE(
                                CASE
                                  WHEN "t25"."s_count" IS NOT NULL
                                  THEN "t25"."s_current" IN ('solved', 'closed')
                                  ELSE "t11"."status" IN ('solved', 'closed')
                                  OR (
                                    (
                                      "t11"."status" IS NULL
                                    ) AND (
                                      "t11"."solved_at" IS NOT NULL
                                    )
                                  )
                                END,
                                FALSE
                              ) AS "is_resolved",
                              CASE
                                WHEN "t25"."s_count" IS NOT NULL
                                THEN "t25"."s_first_resolved_at"
                                ELSE "t11"."solved_at"
                              END AS "first_resolved_at",
                              CASE
                                WHEN COALESCE(
                                  CASE
                                    WHEN "t25"."s_count" IS NOT NULL
                                    THEN "t25"."s_current" IN ('solved', 'closed')
                                    ELSE "t11"."status" IN ('solved', 'closed')
                                    OR (
                                      (
                                        "t11"."status" IS NULL
                                      ) AND (
                                        "t11"."solved_at" IS NOT NULL
                                      )
                                    )
                                  END,
                                  FALSE
                                )
                                THEN CASE
                                  WHEN "t25"."s_count" IS NOT NULL
                                  THEN "t25"."s_last_resolved_at"
                                  ELSE "t11"."solved_at"
                                END
                                ELSE NULL
                              END AS "resolved_at",
                              COALESCE("t19"."w_handle", "t11"."handle_seconds") AS "handle_seconds"
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
                            ) AS "t11"
                            LEFT OUTER JOIN (
                              SELECT
                                "t23"."ticket_id",
                                COUNT(*) AS "m_count",
                                MIN("t23"."created_at") FILTER(WHERE
                                  "t23"."is_reply") AS "m_first_reply_at",
                                SUM(CAST("t23"."is_reply" AS BIGINT)) AS "m_replies",
                                COUNT(DISTINCT "t23"."author_id") FILTER(WHERE
                                  "t23"."is_reply") AS "m_reply_agents"
                              FROM (
                                SELECT
                                  "t14"."message_id",
                                  "t14"."ticket_id",
                                  "t14"."created_at",
                                  "t14"."author_type",
                                  "t14"."author_id",
                                  "t14"."public",
                                  "t14"."channel",
                                  "t14"."_rn",
                                  (
                                    "t14"."author_type" = 'agent'
                                  )
                                  AND "t14"."public"
                                  AND NOT (
                                    (
                                      "t14"."_rn" = 0
                                    )
                                    AND (
                                      (
                                        "t14"."author_type" = 'agent'
                                      ) AND "t14"."public"
                                    )
                                  ) AS "is_reply",
                                  "t14"."author_type" = 'customer' AS "is_customer"
                                FROM (
                                  SELECT
                                    "t8"."message_id",
                                    "t8"."ticket_id",
                                    "t8"."created_at",
                                    "t8"."author_type",
                                    "t8"."author_id",
                                    COALESCE("t8"."public", TRUE) AS "public",
                                    "t8"."channel",
                                    ROW_NUMBER() OVER (
                                      PARTITION BY "t8"."ticket_id"
                                      ORDER BY "t8"."created_at" ASC, "t8"."message_id" ASC
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                    ) - 1 AS "_rn"
                                  FROM (
                                    SELECT
                                      "t3"."message_id",
                                      "t3"."ticket_id",
                                      "t3"."created_at",
                                      "t3"."author_type",
                                      "t3"."author_id",
                                      "t3"."public",
                                      "t3"."channel"
                                    FROM "messages" AS "t3"
                                  ) AS "t8"
                                ) AS "t14"
                              ) AS "t23"
                              GROUP BY
                                1
                            ) AS "t28"
                              ON "t11"."ticket_id" = "t28"."ticket_id"
                            LEFT OUTER JOIN (
                              SELECT
                                "t16"."ticket_id",
                                COUNT(*) AS "s_count",
                                MIN("t16"."changed_at") FILTER(WHERE
                                  "t16"."to_status" IN ('solved', 'closed')) AS "s_first_resolved_at",
                                MAX("t16"."changed_at") FILTER(WHERE
                                  "t16"."to_status" IN ('solved', 'closed')) AS "s_last_resolved_at",
                                ANY_VALUE("t16"."to_status") FILTER(WHERE
                                  "t16"."_rn_desc" = 0) AS "s_current",
                                SUM(
                                  CAST("t16"."_prev" IN ('solved', 'closed')
                                  AND NOT (
                                    "t16"."to_status" IN ('solved', 'closed')
                                  ) AS BIGINT)
                                ) AS "s_reopens"
                              FROM (
                                SELECT
                                  "t12"."ticket_id",
                                  "t12"."changed_at",
                                  "t12"."to_status",
                                  "t12"."from_status",
                                  COALESCE(
                                    "t12"."from_status",
                                    LAG("t12"."to_status") OVER (
                                      PARTITION BY "t12"."ticket_id"
                                      ORDER BY "t12"."changed_at" ASC, "t12"."to_status" ASC
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                    )
                                  ) AS "_prev",
                                  ROW_NUMBER() OVER (
                                    PARTITION BY "t12"."ticket_id"
                                    ORDER BY "t12"."changed_at" DESC, "t12"."to_status" DESC
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                                  ) - 1 AS "_rn_desc"
                                FROM "t9" AS "t12"
                              ) AS "t16"
                              GROUP BY
                                1
                            ) AS "t25"
                              ON "t11"."ticket_id" = "t25"."ticket_id"
                            LEFT OUTER JOIN (
                              SELECT
                                "t7"."ticket_id",
                                SUM(
                                  COALESCE(
                                    "t7"."seconds",
                                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                  )
                                ) AS "w_handle",
                                COUNT(
                                  COALESCE(
                                    "t7"."seconds",
                                    CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."ended_at") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t7"."started_at") AS TIMESTAMP)) AS DOUBLE)
                                  )
                                ) AS "w_sessions"
                              FROM (
                                SELECT
                                  "t2"."ticket_id",
                                  "t2"."agent_id",
                                  "t2"."started_at",
                                  "t2"."ended_at",
                                  "t2"."seconds"
                                FROM "work_sessions" AS "t2"
                              ) AS "t7"
                              GROUP BY
                                1
                            ) AS "t19"
                              ON "t11"."ticket_id" = "t19"."ticket_id"
                          ) AS "t31"
                        ) AS "t35"
                        LEFT OUTER JOIN (
                          SELECT
                            "t32"."ticket_id",
                            SUM("t32"."span_s") FILTER(WHERE
                              "t32"."status" IN ('new', 'open', 'on_hold')) AS "requester_wait_s",
                            SUM("t32"."span_s") FILTER(WHERE
                              "t32"."status" IN ('pending')) AS "agent_wait_s",
                            SUM("t32"."span_s") FILTER(WHERE
                              "t32"."status" IN ('on_hold')) AS "on_hold_s"
                          FROM (
                            SELECT
                              "t30"."ticket_id",
                              "t30"."status",
                              "t30"."span_start",
                              "t30"."span_end",
                              CAST(EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_end") AS TIMESTAMP)) - EPOCH(CAST(DATE_TRUNC('SECOND', "t30"."span_start") AS TIMESTAMP)) AS DOUBLE) AS "span_s"
                            FROM (
                              SELECT
                                *
                              FROM (
                                SELECT
                                  "t17"."ticket_id",
                                  "t17"."to_status" AS "status",
                                  "t17"."changed_at" AS "span_start",
                                  "t17"."_next" AS "span_end"
                                FROM "t15" AS "t17"
                                WHERE
                                  "t17"."_next" IS NOT NULL
                              ) AS "t20"
                              UNION ALL
                              SELECT
                                *
                              FROM (
                                SELECT
                                  *
                                FROM (
                                  SELECT
                                    "t22"."ticket_id",
                                    COALESCE("t22"."from_status", 'new') AS "status",
                                    "t10"."created_at" AS "span_start",
                                    "t22"."changed_at" AS "span_end"
                                  FROM (
                                    SELECT
                                      *
                                    FROM "t15" AS "t17"
                                    WHERE
                                      "t17"."_rn" = 0
                                  ) AS "t22"
                                  INNER JOIN (
                                    SELECT
                                      "t1"."ticket_id",
                                      "t1"."created_at"
                                    FROM "tickets" AS "t1"
                                  ) AS "t10"
                                    ON "t22"."ticket_id" = "t10"."ticket_id"
                                ) AS "t26"
                                WHERE
                                  "t26"."span_end" > "t26"."span_start"
                              ) AS "t29"
                            ) AS "t30"
                          ) AS "t32"
                          GROUP BY
                            1
                        ) AS "t36"
                          ON "t35"."ticket_id" = "t36"."ticket_id"
                      ) AS "t37"
                    ) AS "t38"
                    WHERE
                      "t38"."customer_id" IS NOT NULL AND "t38"."category" IS NOT NULL
                  ) AS "t39"
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t0"."call_id" AS "contact_id",
                      'call' AS "kind",
                      "t0"."customer_id",
                      "t0"."topic" AS "category",
                      'phone' AS "channel",
                      CAST("t0"."offered_at" AS TIMESTAMP) AS "at",
                      COALESCE("t0"."resolved", FALSE) AS "resolved",
                      CASE
                        WHEN COALESCE("t0"."resolved", FALSE)
                        THEN COALESCE("t0"."ended_at", "t0"."answered_at", "t0"."offered_at")
                        ELSE CAST(NULL AS TIMESTAMP)
                      END AS "resolved_at"
                    FROM "calls" AS "t0"
                    WHERE
                      "t0"."customer_id" IS NOT NULL AND "t0"."topic" IS NOT NULL
                  ) AS "t13"
                ) AS "t40"
              ) AS "t41"
            ) AS "t42"
          ) AS "t43"
        ) AS "t44"
        GROUP BY
          1,
          2,
          3
      ) AS "t45"
    ) AS "t46"
    WHERE
      "t46"."first_contact_at" IS NOT NULL
      AND "t46"."first_contact_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t46"."first_contact_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t47"
  GROUP BY
    1,
    2
) AS "t48"
