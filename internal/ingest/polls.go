package ingest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// A poll's votes live in its message's extra data: "votes" maps each voter
// (a JID, as reactions do) to the options they chose, "vote_times" to when
// they chose them (unix ms). A vote older than the voter's latest is
// ignored, so votes give the same result in any order. "results" is the
// aggregated view, recomputed from the votes whenever they change: one
// entry per option, in the poll's order, with its count and its voters
// (sorted).

// pollOfExtra returns the decoded extra data of m and its poll object (nil
// when m is no poll).
func pollOfExtra(m *store.Message) (map[string]any, map[string]any) {
	if m.Extra == "" {
		return nil, nil
	}
	var extra map[string]any
	if err := json.Unmarshal([]byte(m.Extra), &extra); err != nil {
		return nil, nil
	}
	p, _ := extra["poll"].(map[string]any)
	return extra, p
}

func savePoll(m *store.Message, extra map[string]any) {
	if p, _ := extra["poll"].(map[string]any); p != nil {
		p["results"] = pollResults(p)
	}
	if b, err := json.Marshal(extra); err == nil {
		m.Extra = string(b)
	}
}

// voteTimes returns the poll's vote times, by voter.
func voteTimes(p map[string]any) map[string]int64 {
	out := map[string]int64{}
	if typed, ok := p["vote_times"].(map[string]int64); ok { // set by setVote, not yet saved
		maps.Copy(out, typed)
		return out
	}
	raw, _ := p["vote_times"].(map[string]any)
	for who, v := range raw {
		if f, ok := v.(float64); ok {
			out[who] = int64(f)
		}
	}
	return out
}

func votesOf(p map[string]any) map[string][]string {
	out := map[string][]string{}
	if typed, ok := p["votes"].(map[string][]string); ok { // set by setVote, not yet saved
		maps.Copy(out, typed)
		return out
	}
	raw, _ := p["votes"].(map[string]any)
	for who, v := range raw {
		list, _ := v.([]any)
		opts := []string{}
		for _, o := range list {
			if s, ok := o.(string); ok {
				opts = append(opts, s)
			}
		}
		out[who] = opts
	}
	return out
}

// setVote records who's vote (options; none withdraws it) made at ms on
// poll p, unless they voted later. It reports whether p changed.
func setVote(p map[string]any, who string, options []string, ms int64) bool {
	times, votes := voteTimes(p), votesOf(p)
	if last, ok := times[who]; ok && (ms < last || (ms == last && strings.Join(options, "\x00") == strings.Join(votes[who], "\x00"))) {
		return false // older than their latest vote (of two as old, the later to arrive wins), or the same
	}
	times[who] = ms
	if len(options) == 0 {
		delete(votes, who)
	} else {
		votes[who] = options
	}
	p["votes"], p["vote_times"] = votes, times
	return true
}

// renameVoter moves the vote of voter old on poll message m to voter new.
func renameVoter(m *store.Message, old, new string) {
	extra, p := pollOfExtra(m)
	if p == nil {
		return
	}
	times, votes := voteTimes(p), votesOf(p)
	ms, ok := times[old]
	if !ok {
		if _, voted := votes[old]; !voted {
			return
		}
	}
	opts := votes[old]
	delete(times, old)
	delete(votes, old)
	p["votes"], p["vote_times"] = votes, times
	setVote(p, new, opts, ms)
	savePoll(m, extra)
}

// mergeVotes folds the votes on poll message gone into keep.
func mergeVotes(keep, gone *store.Message) {
	_, gp := pollOfExtra(gone)
	if gp == nil {
		return
	}
	extra, kp := pollOfExtra(keep)
	if kp == nil {
		return
	}
	times, votes := voteTimes(gp), votesOf(gp)
	who := make([]string, 0, len(votes))
	for w := range votes {
		who = append(who, w)
	}
	for w := range times {
		if _, ok := votes[w]; !ok {
			who = append(who, w)
		}
	}
	slices.Sort(who)
	changed := false
	for _, w := range slices.Compact(who) {
		changed = setVote(kp, w, votes[w], times[w]) || changed
	}
	if changed {
		savePoll(keep, extra)
	}
}

// PollResult is one option of a poll with the people who chose it.
type PollResult struct {
	Option string   `json:"option"`
	Count  int      `json:"count"`
	Voters []string `json:"voters"`
}

// pollResults aggregates the votes of poll p by option, in the poll's
// order. A vote for an option the poll does not list (it cannot be
// decrypted to one) counts for nothing.
func pollResults(p map[string]any) []PollResult {
	raw, _ := p["options"].([]any)
	opts := make([]string, 0, len(raw))
	for _, o := range raw {
		s, _ := o.(string)
		opts = append(opts, s)
	}
	out := noVotes(opts)
	index := map[string]int{}
	for i, r := range out {
		index[r.Option] = i
	}
	for who, opts := range votesOf(p) {
		for _, o := range slices.Compact(slices.Sorted(slices.Values(opts))) {
			if i, ok := index[o]; ok {
				out[i].Voters = append(out[i].Voters, who)
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].Voters)
		out[i].Count = len(out[i].Voters)
	}
	return out
}

// noVotes returns the results of a poll with options before anyone voted:
// each option once, in order.
func noVotes(options []string) []PollResult {
	out := make([]PollResult, 0, len(options))
	for _, o := range options {
		if !slices.ContainsFunc(out, func(r PollResult) bool { return r.Option == o }) {
			out = append(out, PollResult{Option: o, Voters: []string{}})
		}
	}
	return out
}

// Vote records the account's own vote on poll m (options; none withdraws
// it), made at at.
func (t *Tx) Vote(m *store.Message, options []string, at time.Time) {
	extra, p := pollOfExtra(m)
	if p == nil {
		return
	}
	if options == nil {
		options = []string{}
	}
	if setVote(p, t.acc.Own.String(), options, at.UnixMilli()) {
		savePoll(m, extra)
	}
}
