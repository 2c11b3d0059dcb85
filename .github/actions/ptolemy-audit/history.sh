#!/usr/bin/env bash
# Keeps the audit history on a dedicated git branch of the repository, as Parquet files (one folder per run).
#
#   history.sh restore DIR   check the branch out into DIR (an empty DIR when the branch does not exist yet)
#   history.sh save DIR      commit what DIR gained and push it to the branch (retrying on a concurrent push)
#
# Settings (environment): HISTORY_BRANCH (default audit-history), HISTORY_REMOTE (default origin),
# GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL (default the GitHub Actions bot). Run it from inside the repository's checkout.
set -euo pipefail

branch="${HISTORY_BRANCH:-audit-history}"
remote="${HISTORY_REMOTE:-origin}"
command="${1:?usage: history.sh restore|save DIR}"
dir="${2:?usage: history.sh restore|save DIR}"
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-github-actions[bot]}"
export GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}"
export GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}"

case "$command" in
  restore)
    rm -rf "$dir"
    if git ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1; then
      git fetch --quiet --depth=1 "$remote" "refs/heads/$branch:refs/remotes/$remote/$branch"
      git worktree add --quiet --force "$dir" "$remote/$branch"
      echo "Restored the audit history from $remote/$branch ($(find "$dir/runs" -maxdepth 1 -name 'run=*' 2>/dev/null | wc -l) runs)."
    else
      # The first run: an orphan branch with nothing in it yet.
      git worktree add --quiet --force --detach "$dir"
      git -C "$dir" checkout --quiet --orphan "$branch"
      git -C "$dir" rm -rf --quiet . >/dev/null 2>&1 || true
      echo "No audit history on $remote/$branch yet: starting one."
    fi
    ;;
  save)
    cd "$dir"
    git add --all .
    if git diff --cached --quiet; then
      echo "The audit history is unchanged."
      exit 0
    fi
    runs=$(git diff --cached --name-only | sed -n 's#^runs/\(run=[0-9]*\)/.*#\1#p' | sort -u | tr '\n' ' ')
    git commit --quiet -m "Audit history: ${runs:-update}"
    # Another job may have pushed meanwhile: run folders never clash, so rebasing onto it is always clean.
    for attempt in 1 2 3 4 5; do
      if git push --quiet "$remote" "HEAD:refs/heads/$branch"; then
        echo "Saved the audit history to $remote/$branch: ${runs}"
        exit 0
      fi
      git fetch --quiet "$remote" "$branch" && git rebase --quiet FETCH_HEAD || true
      sleep "$attempt"
    done
    echo "::error::Could not push the audit history to $remote/$branch after 5 attempts." >&2
    exit 1
    ;;
  *)
    echo "usage: history.sh restore|save DIR" >&2
    exit 2
    ;;
esac
