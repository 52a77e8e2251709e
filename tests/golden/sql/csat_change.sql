SELECT
  "t19"."period_start",
  "t19"."_d_channel" AS "channel",
  "t19"."numerator",
  "t19"."denominator"
FROM (
  SELECT
    "t18"."period_start",
    "t18"."_d_channel",
    SUM(
      CAST(COALESCE(COALESCE("t18"."first_satisfied" <> "t18"."latest_satisfied", FALSE), FALSE) AS BIGINT)
    ) AS "numerator",
    COUNT(*) AS "denominator"
  FROM (
    SELECT
      "t17"."ticket_id",
      "t17"."survey",
      "t17"."ratings",
      "t17"."first_rated_at",
      "t17"."rated_at",
      "t17"."first_score",
      "t17"."latest_score",
      "t17"."first_satisfied",
      "t17"."latest_satisfied",
      "t17"."channel",
      "t17"."category",
      "t17"."priority",
      "t17"."team",
      "t17"."agent_id",
      "t17"."brand",
      "t17"."product",
      "t17"."language",
      "t17"."customer_id",
      "t17"."status",
      "t17"."created_by",
      "t17"."channel" AS "_d_channel",
      CAST(DATE_TRUNC(
        'MONTH',
        "t17"."rated_at" + TO_SECONDS(
          CAST(CASE
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(1999, 3, 28, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(1999, 10, 31, 1, 0, 0.0)
            THEN 10800
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(2000, 3, 26, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(2000, 10, 29, 1, 0, 0.0)
            THEN 10800
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(2001, 3, 25, 1, 0, 0.0)
            THEN 7200
            WHEN "t17"."rated_at" < MAKE_TIMESTAMP(2001, 10, 28, 1, 0, 0.0)
            THEN 10800
            ELSE 7200
          END AS BIGINT)
        )
      ) AS DATE) AS "period_start"
    FROM (
      SELECT
        "t16".*
        EXCLUDE ("ticket_id_right")
      FROM (
        SELECT
          "t15"."ticket_id",
          "t15"."survey",
          "t15"."ratings",
          "t15"."first_rated_at",
          "t15"."rated_at",
          "t15"."first_score",
          "t15"."latest_score",
          "t15"."first_satisfied",
          "t15"."latest_satisfied",
          "t5"."ticket_id" AS "ticket_id_right",
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
              "t12"."ticket_id",
              "t12"."survey",
              COUNT(*) AS "ratings",
              MIN("t12"."responded_at") AS "first_rated_at",
              MAX("t12"."responded_at") AS "rated_at",
              ANY_VALUE("t12"."score") FILTER(WHERE
                "t12"."_a" = 0) AS "first_score",
              ANY_VALUE("t12"."score") FILTER(WHERE
                "t12"."_z" = 0) AS "latest_score",
              ANY_VALUE("t12"."top2") FILTER(WHERE
                "t12"."_a" = 0) AS "first_satisfied",
              ANY_VALUE("t12"."top2") FILTER(WHERE
                "t12"."_z" = 0) AS "latest_satisfied"
            FROM (
              SELECT
                "t11"."response_id",
                "t11"."survey",
                "t11"."survey_type",
                "t11"."responded_at",
                "t11"."score",
                "t11"."raw_score",
                "t11"."scale_min",
                "t11"."scale_max",
                "t11"."question",
                "t11"."comment",
                "t11"."ticket_id",
                "t11"."answered",
                "t11"."promoter",
                "t11"."detractor",
                "t11"."passive",
                "t11"."top2",
                "t11"."out_of_scale",
                "t11"."customer_id",
                "t11"."agent_id",
                "t11"."channel",
                "t11"."language",
                "t11"."category",
                "t11"."priority",
                "t11"."team",
                "t11"."brand",
                "t11"."product",
                "t11"."submission",
                ROW_NUMBER() OVER (
                  PARTITION BY "t11"."ticket_id", "t11"."survey"
                  ORDER BY "t11"."responded_at" ASC, "t11"."response_id" ASC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) - 1 AS "_a",
                ROW_NUMBER() OVER (
                  PARTITION BY "t11"."ticket_id", "t11"."survey"
                  ORDER BY "t11"."responded_at" DESC, "t11"."response_id" DESC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) - 1 AS "_z"
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    "t9"."response_id",
                    "t9"."survey",
                    "t9"."survey_type",
                    "t9"."responded_at",
                    "t9"."score",
                    "t9"."raw_score",
                    "t9"."scale_min",
                    "t9"."scale_max",
                    "t9"."question",
                    "t9"."comment",
                    "t9"."ticket_id",
                    "t9"."answered",
                    "t9"."promoter",
                    "t9"."detractor",
                    "t9"."passive",
                    "t9"."top2",
                    "t9"."out_of_scale",
                    COALESCE("t9"."customer_id", "t4"."t_customer") AS "customer_id",
                    COALESCE("t9"."agent_id", "t4"."t_agent") AS "agent_id",
                    COALESCE("t9"."channel", "t4"."t_channel") AS "channel",
                    COALESCE("t9"."language", "t4"."t_language") AS "language",
                    "t4"."t_category" AS "category",
                    "t4"."t_priority" AS "priority",
                    "t4"."t_team" AS "team",
                    "t4"."t_brand" AS "brand",
                    "t4"."t_product" AS "product",
                    "t9"."survey" || '|' || COALESCE(COALESCE("t9"."customer_id", "t4"."t_customer"), '') || '|' || COALESCE("t9"."ticket_id", '') || '|' || CAST("t9"."responded_at" AS TEXT) AS "submission"
                  FROM (
                    SELECT
                      "t7"."response_id",
                      "t7"."survey",
                      "t7"."responded_at",
                      "t7"."score",
                      "t7"."scale_min",
                      "t7"."scale_max",
                      "t7"."question",
                      "t7"."comment",
                      "t7"."customer_id",
                      "t7"."ticket_id",
                      "t7"."agent_id",
                      "t7"."channel",
                      "t7"."language",
                      "t7"."survey_type",
                      "t7"."raw_score",
                      "t7"."score" IS NOT NULL AS "answered",
                      "t7"."score" >= 9 AS "promoter",
                      "t7"."score" <= 6 AS "detractor",
                      (
                        "t7"."score" > 6
                      ) AND (
                        "t7"."score" < 9
                      ) AS "passive",
                      CASE
                        WHEN (
                          (
                            "t7"."scale_max" - "t7"."scale_min"
                          ) + 1
                        ) > 3
                        THEN "t7"."score" >= (
                          "t7"."scale_max" - 1
                        )
                        ELSE "t7"."score" >= "t7"."scale_max"
                      END AS "top2",
                      (
                        "t7"."score" < "t7"."scale_min"
                      ) OR (
                        "t7"."score" > "t7"."scale_max"
                      ) AS "out_of_scale"
                    FROM (
                      SELECT
                        "t6"."response_id",
                        "t6"."survey",
                        "t6"."responded_at",
                        CASE
                          WHEN FALSE
                          THEN (
                            COALESCE(
                              COALESCE("t6"."scale_min", CAST(NULL AS DOUBLE)),
                              CASE
                                WHEN "t6"."survey_type" = 'nps'
                                THEN 0.0
                                WHEN "t6"."survey_type" = 'csat'
                                THEN 1.0
                                WHEN "t6"."survey_type" = 'ces'
                                THEN 1.0
                                WHEN "t6"."survey_type" = 'cx'
                                THEN 1.0
                                ELSE CAST(NULL AS DOUBLE)
                              END
                            ) + COALESCE(
                              COALESCE("t6"."scale_max", CAST(NULL AS DOUBLE)),
                              CASE
                                WHEN "t6"."survey_type" = 'nps'
                                THEN 10.0
                                WHEN "t6"."survey_type" = 'csat'
                                THEN 5.0
                                WHEN "t6"."survey_type" = 'ces'
                                THEN 7.0
                                WHEN "t6"."survey_type" = 'cx'
                                THEN 5.0
                                ELSE CAST(NULL AS DOUBLE)
                              END
                            )
                          ) - "t6"."score"
                          ELSE "t6"."score"
                        END AS "score",
                        COALESCE(
                          COALESCE("t6"."scale_min", CAST(NULL AS DOUBLE)),
                          CASE
                            WHEN "t6"."survey_type" = 'nps'
                            THEN 0.0
                            WHEN "t6"."survey_type" = 'csat'
                            THEN 1.0
                            WHEN "t6"."survey_type" = 'ces'
                            THEN 1.0
                            WHEN "t6"."survey_type" = 'cx'
                            THEN 1.0
                            ELSE CAST(NULL AS DOUBLE)
                          END
                        ) AS "scale_min",
                        COALESCE(
                          COALESCE("t6"."scale_max", CAST(NULL AS DOUBLE)),
                          CASE
                            WHEN "t6"."survey_type" = 'nps'
                            THEN 10.0
                            WHEN "t6"."survey_type" = 'csat'
                            THEN 5.0
                            WHEN "t6"."survey_type" = 'ces'
                            THEN 7.0
                            WHEN "t6"."survey_type" = 'cx'
                            THEN 5.0
                            ELSE CAST(NULL AS DOUBLE)
                          END
                        ) AS "scale_max",
                        "t6"."question",
                        "t6"."comment",
                        "t6"."customer_id",
                        "t6"."ticket_id",
                        "t6"."agent_id",
                        "t6"."channel",
                        "t6"."language",
                        "t6"."survey_type",
                        "t6"."score" AS "raw_score"
                      FROM (
                        SELECT
                          "t1"."response_id",
                          "t1"."survey",
                          "t1"."responded_at",
                          "t1"."score",
                          "t1"."scale_min",
                          "t1"."scale_max",
                          "t1"."question",
                          "t1"."comment",
                          "t1"."customer_id",
                          "t1"."ticket_id",
                          "t1"."agent_id",
                          "t1"."channel",
                          "t1"."language",
                          COALESCE(
                            CAST(NULL AS TEXT),
                            CASE
                              WHEN "t1"."survey" = 'nps'
                              THEN 'nps'
                              WHEN "t1"."survey" = 'csat'
                              THEN 'csat'
                              WHEN "t1"."survey" = 'ces'
                              THEN 'ces'
                              WHEN "t1"."survey" = 'cx'
                              THEN 'cx'
                              ELSE 'custom'
                            END
                          ) AS "survey_type"
                        FROM "survey_responses" AS "t1"
                      ) AS "t6"
                    ) AS "t7"
                  ) AS "t9"
                  LEFT OUTER JOIN (
                    SELECT
                      "t0"."ticket_id",
                      "t0"."channel" AS "t_channel",
                      "t0"."category" AS "t_category",
                      "t0"."priority" AS "t_priority",
                      "t0"."team" AS "t_team",
                      "t0"."agent_id" AS "t_agent",
                      "t0"."brand" AS "t_brand",
                      "t0"."product" AS "t_product",
                      "t0"."language" AS "t_language",
                      "t0"."customer_id" AS "t_customer"
                    FROM "tickets" AS "t0"
                  ) AS "t4"
                    ON "t9"."ticket_id" = "t4"."ticket_id"
                ) AS "t10"
                WHERE
                  "t10"."survey_type" = 'csat'
                  AND "t10"."answered"
                  AND "t10"."ticket_id" IS NOT NULL
              ) AS "t11"
            ) AS "t12"
            GROUP BY
              1,
              2
          ) AS "t13"
          WHERE
            "t13"."ratings" >= 2
        ) AS "t15"
        LEFT OUTER JOIN (
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
          FROM "tickets" AS "t0"
        ) AS "t5"
          ON "t15"."ticket_id" = "t5"."ticket_id"
      ) AS "t16"
    ) AS "t17"
    WHERE
      "t17"."rated_at" IS NOT NULL
      AND "t17"."rated_at" < MAKE_TIMESTAMP(2024, 12, 31, 22, 0, 0.0)
      AND "t17"."rated_at" >= MAKE_TIMESTAMP(2023, 12, 31, 22, 0, 0.0)
  ) AS "t18"
  GROUP BY
    1,
    2
) AS "t19"
