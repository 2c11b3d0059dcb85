/** The people directory's views, matching and rules (people.sql), installed before findings.sql (job/Views.ts). */
import peopleSql from "./people.sql"

export const peopleViews: ReadonlyArray<string> = [peopleSql]
