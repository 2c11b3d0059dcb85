/** The review's SQL (review.sql): the frozen population, the campaign views and the review rules. */
import reviewSql from "./review.sql"

export const reviewViews: ReadonlyArray<string> = [reviewSql]
