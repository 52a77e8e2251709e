SELECT
  "t12"."period_start",
  "t12"."_d_channel" AS "channel",
  "t12"."n",
  "t12"."mean",
  "t12"."std"
FROM (
  SELECT
    "t11"."period_start",
    "t11"."_d_channel",
    COUNT(CAST("t11"."contacts" AS DOUBLE)) AS "n",
    AVG(CAST("t11"."contacts" AS DOUBLE)) AS "mean",
    STDDEV_SAMP(CAST("t11"."contacts" AS DOUBLE)) AS "std"
  FROM (
    SELECT
      "t10"."customer_id" || '|' || "t10"."category" || '|' || "t10"."first_id" AS "issue_id",
      "t10"."customer_id",
      "t10"."category",
      "t10"."channel",
      "t10"."first_contact_at",
      "t10"."last_contact_at",
      CASE
        WHEN "t10"."is_resolved"
        THEN "t10"."resolved_at"
        ELSE CAST(NULL AS TIMESTAMP)
      END AS "resolved_at",
      "t10"."contacts",
      "t10"."tickets",
      "t10"."calls",
      "t10"."channels",
      "t10"."is_resolved",
      CASE
        WHEN "t10"."is_resolved"
        THEN CAST(CAST(FLOOR(EPOCH(CAST("t10"."resolved_at" AS TIMESTAMP))) AS BIGINT) - CAST(FLOOR(EPOCH(CAST("t10"."first_contact_at" AS TIMESTAMP))) AS BIGINT) AS DOUBLE)
        ELSE CAST(NULL AS DOUBLE)
      END AS "resolution_s",
      "t10"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t10"."first_contact_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t10"."first_contact_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t9"."customer_id",
        "t9"."category",
        "t9"."_issue",
        "t9"."first_contact_at",
        "t9"."last_contact_at",
        "t9"."channel",
        "t9"."first_id",
        "t9"."last_resolved",
        "t9"."open_tickets",
        "t9"."resolved_at",
        "t9"."contacts",
        "t9"."tickets",
        "t9"."calls",
        "t9"."channels",
        (
          "t9"."open_tickets" = 0
        )
        AND COALESCE("t9"."last_resolved", FALSE)
        AND (
          "t9"."resolved_at" IS NOT NULL
        ) AS "is_resolved"
      FROM (
        SELECT
          "t8"."customer_id",
          "t8"."category",
          "t8"."_issue",
          MIN("t8"."at") AS "first_contact_at",
          MAX("t8"."at") AS "last_contact_at",
          ANY_VALUE("t8"."channel") FILTER(WHERE
            "t8"."_first" = 0) AS "channel",
          ANY_VALUE("t8"."contact_id") FILTER(WHERE
            "t8"."_first" = 0) AS "first_id",
          ANY_VALUE("t8"."resolved") FILTER(WHERE
            "t8"."_last" = 0) AS "last_resolved",
          SUM(CAST((
            "t8"."kind" = 'ticket'
          ) AND NOT (
            "t8"."resolved"
          ) AS BIGINT)) AS "open_tickets",
          MAX("t8"."resolved_at") AS "resolved_at",
          COUNT(*) AS "contacts",
          SUM(CAST("t8"."kind" = 'ticket' AS BIGINT)) AS "tickets",
          SUM(CAST("t8"."kind" = 'call' AS BIGINT)) AS "calls",
          COUNT(DISTINCT "t8"."channel") AS "channels"
        FROM (
          SELECT
            "t7"."contact_id",
            "t7"."kind",
            "t7"."customer_id",
            "t7"."category",
            "t7"."channel",
            "t7"."at",
            "t7"."resolved",
            "t7"."resolved_at",
            "t7"."_prev",
            "t7"."_new",
            "t7"."_issue",
            ROW_NUMBER() OVER (
              PARTITION BY "t7"."customer_id", "t7"."category", "t7"."_issue"
              ORDER BY "t7"."at" ASC, "t7"."kind" ASC, "t7"."contact_id" ASC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_first",
            ROW_NUMBER() OVER (
              PARTITION BY "t7"."customer_id", "t7"."category", "t7"."_issue"
              ORDER BY "t7"."at" DESC, "t7"."kind" DESC, "t7"."contact_id" DESC
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_last"
          FROM (
            SELECT
              "t6"."contact_id",
              "t6"."kind",
              "t6"."customer_id",
              "t6"."category",
              "t6"."channel",
              "t6"."at",
              "t6"."resolved",
              "t6"."resolved_at",
              "t6"."_prev",
              "t6"."_new",
              SUM("t6"."_new") OVER (
                PARTITION BY "t6"."customer_id", "t6"."category"
                ORDER BY "t6"."at" ASC, "t6"."kind" ASC, "t6"."contact_id" ASC
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
              ) AS "_issue"
            FROM (
              SELECT
                "t5"."contact_id",
                "t5"."kind",
                "t5"."customer_id",
                "t5"."category",
                "t5"."channel",
                "t5"."at",
                "t5"."resolved",
                "t5"."resolved_at",
                "t5"."_prev",
                CAST((
                  "t5"."_prev" IS NULL
                )
                OR (
                  "t5"."at" > (
                    "t5"."_prev" + INTERVAL '7' DAY
                  )
                ) AS BIGINT) AS "_new"
              FROM (
                SELECT
                  "t4"."contact_id",
                  "t4"."kind",
                  "t4"."customer_id",
                  "t4"."category",
                  "t4"."channel",
                  "t4"."at",
                  "t4"."resolved",
                  "t4"."resolved_at",
                  LAG("t4"."at") OVER (
                    PARTITION BY "t4"."customer_id", "t4"."category"
                    ORDER BY "t4"."at" ASC, "t4"."kind" ASC, "t4"."contact_id" ASC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                  ) AS "_prev"
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t0"."ticket_id" AS "contact_id",
                      'ticket' AS "kind",
                      "t0"."customer_id",
                      "t0"."category",
                      "t0"."channel",
                      CAST("t0"."created_at" AS TIMESTAMP) AS "at",
                      COALESCE("t0"."is_resolved", FALSE) AS "resolved",
                      CAST("t0"."resolved_at" AS TIMESTAMP) AS "resolved_at"
                    FROM "_fact_tickets" AS "t0"
                    WHERE
                      "t0"."customer_id" IS NOT NULL AND "t0"."category" IS NOT NULL
                  ) AS "t2"
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      "t1"."call_id" AS "contact_id",
                      'call' AS "kind",
                      "t1"."customer_id",
                      "t1"."topic" AS "category",
                      'phone' AS "channel",
                      CAST("t1"."offered_at" AS TIMESTAMP) AS "at",
                      COALESCE("t1"."resolved", FALSE) AS "resolved",
                      CASE
                        WHEN COALESCE("t1"."resolved", FALSE)
                        THEN COALESCE("t1"."ended_at", "t1"."answered_at", "t1"."offered_at")
                        ELSE CAST(NULL AS TIMESTAMP)
                      END AS "resolved_at"
                    FROM "calls" AS "t1"
                    WHERE
                      "t1"."customer_id" IS NOT NULL AND "t1"."topic" IS NOT NULL
                  ) AS "t3"
                ) AS "t4"
              ) AS "t5"
            ) AS "t6"
          ) AS "t7"
        ) AS "t8"
        GROUP BY
          1,
          2,
          3
      ) AS "t9"
    ) AS "t10"
    WHERE
      "t10"."first_contact_at" IS NOT NULL
      AND "t10"."first_contact_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t10"."first_contact_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t11"
  GROUP BY
    1,
    2
) AS "t12"
