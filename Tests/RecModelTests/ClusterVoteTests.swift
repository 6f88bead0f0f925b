import Foundation
import RecData
import RecMath
import XCTest

@testable import RecInference
@testable import RecModelFile
@testable import RecTraining

final class ClusterVoteTests: XCTestCase {
    let shortlists = Shortlists(lists: [
        [(0, 0.9), (1, 0.5), (2, 0.1)],
        [(1, 0.8), (3, 0.7)],
        [(2, 0.6), (4, 0.3), (0, 0.2)]
    ])

    func testSumAndMeanReductions() {
        var vote = ClusterVote(itemCount: 5)
        vote.add(cluster: 0, weight: 1, shortlists: shortlists)
        vote.add(cluster: 1, weight: 0.5, shortlists: shortlists)
        let sum = vote.top(k: 10, excluding: [], reduction: .sum)
        // Items 0 and 1 tie at 0.9 (0.9; 0.5 + 0.5 · 0.8): the lower index goes first.
        XCTAssertEqual(sum.map(\.index), [0, 1, 3, 2])
        XCTAssertEqual(sum[1].score, 0.9, accuracy: 1e-6)
        vote.add(cluster: 0, weight: 1, shortlists: shortlists)
        vote.add(cluster: 1, weight: 0.5, shortlists: shortlists)
        let mean = vote.top(k: 10, excluding: [0], reduction: .mean)
        XCTAssertEqual(mean.map(\.index), [1, 3, 2])
        XCTAssertEqual(mean[0].score, 0.45, accuracy: 1e-6)
    }

    func testResultDoesNotDependOnClusterOrderOrPartition() {
        var rng = SeededRandom(seed: 8)
        let lists = (0..<12).map { _ in (0..<40).map { _ in (index: rng.below(200), score: rng.uniform(0, 1)) } }
        let big = Shortlists(lists: lists)
        let clusters = (0..<12).map { (cluster: $0, weight: rng.uniform(0.01, 1)) }
        var a = ClusterVote(itemCount: 200)
        for (c, w) in clusters { a.add(cluster: c, weight: w, shortlists: big) }
        let reference = a.top(k: 50, excluding: [3, 4], reduction: .sum)
        // Reversed order, and split over three partial accumulators merged afterwards (as shards do).
        var parts = [ClusterVote(itemCount: 200), ClusterVote(itemCount: 200), ClusterVote(itemCount: 200)]
        for (c, w) in clusters.reversed() { parts[c % 3].add(cluster: c, weight: w, shortlists: big) }
        var merged = ClusterVote(itemCount: 200)
        for p in parts.reversed() { for (i, s, n) in p.partials() { merged.add(item: i, sum: s, count: n) } }
        let other = merged.top(k: 50, excluding: [3, 4], reduction: .sum)
        XCTAssertEqual(reference.map(\.index), other.map(\.index))
        XCTAssertEqual(reference.map(\.score), other.map(\.score))
    }

    func testNonFiniteContributionsAreIgnored() {
        XCTAssertEqual(ClusterVote.fixedPoint(weight: .nan, score: 1), 0)
        XCTAssertEqual(ClusterVote.fixedPoint(weight: 1, score: .infinity), 0)
        XCTAssertGreaterThan(ClusterVote.fixedPoint(weight: 1, score: 1e30), 0)
    }

    func testShortlistsFromMembersAggregations() {
        // Two users in cluster 0 with weights 1 and 0.5; user 0 liked items 0 and 1, user 1 liked item 1.
        let histories = [
            UserHistory(items: [0, 1, 2], ratings: [5, 5, 1]),
            UserHistory(items: [1], ratings: [4])
        ]
        let memberships: [[(index: Int, score: Float)]] = [[(0, 1)], [(0, 0.5)]]
        func build(_ a: ModelConfiguration.ShortlistAggregation) -> [(index: Int, score: Float)] {
            Shortlists.fromMembers(
                memberships: memberships, histories: { histories[$0] }, itemCount: 3, clusterCount: 1,
                scale: .init(neutral: 3, halfRange: 2, likeThreshold: 4), aggregation: a,
                smoothing: 1, length: 5
            ).entries(0)
        }
        // y(5) = 1, y(4) = 0.5. Item 1: 1·1 + 0.5·0.5 = 1.25 over 2 likers; item 0: 1 over 1 liker.
        XCTAssertEqual(build(.sum).map(\.index), [1, 0])
        XCTAssertEqual(build(.sum)[0].score, 1.25, accuracy: 1e-6)
        XCTAssertEqual(build(.mean).map(\.index), [0, 1])  // 1.0 vs 0.625: the mean ignores support
        XCTAssertEqual(build(.smoothed).first { $0.index == 1 }!.score, 1.25 / 3, accuracy: 1e-6)
        XCTAssertEqual(build(.membership)[0].score, 1.25 / 1.5, accuracy: 1e-6)
        XCTAssertFalse(build(.sum).contains { $0.index == 2 }, "disliked items never enter a shortlist")
    }

    func testLiftShortlistsFavourWhatAClusterLikesMoreThanEveryone() {
        // Cluster 0 (users 0, 1) and cluster 1 (users 2, 3), all weight 1, all ratings 5 (y = 1).
        // Item 0 is liked by all four users (popular everywhere); item 1 by both members of cluster 0
        // only; item 2 by one member of cluster 0 and both of cluster 1.
        let histories = [
            UserHistory(items: [0, 1, 2], ratings: [5, 5, 5]),
            UserHistory(items: [0, 1], ratings: [5, 5]),
            UserHistory(items: [0, 2], ratings: [5, 5]),
            UserHistory(items: [0, 2], ratings: [5, 5])
        ]
        let memberships: [[(index: Int, score: Float)]] = [[(0, 1)], [(0, 1)], [(1, 1)], [(1, 1)]]
        func build(_ a: ModelConfiguration.ShortlistAggregation) -> [[(index: Int, score: Float)]] {
            let lists = Shortlists.fromMembers(
                memberships: memberships, histories: { histories[$0] }, itemCount: 3, clusterCount: 2,
                scale: .init(neutral: 3, halfRange: 2, likeThreshold: 4), aggregation: a,
                smoothing: 1, length: 5)
            return [lists.entries(0), lists.entries(1)]
        }
        // P(like | 0) = 1, 1, 0.5; P(like) = 1, 0.5, 0.75.
        let lift = build(.lift)
        XCTAssertEqual(lift[0].map(\.index), [1, 0, 2], "item 1 first; the everywhere-popular item 0 scores 0")
        XCTAssertEqual(lift[0][0].score, Float(log(2.0)), accuracy: 1e-6)
        XCTAssertEqual(lift[0][1].score, 0, accuracy: 1e-6)
        XCTAssertEqual(lift[0][2].score, Float(0.5 * log(0.5 / 0.75)), accuracy: 1e-6, "liked less than everyone: negative")
        XCTAssertEqual(lift[1].map(\.index), [2, 0])
        XCTAssertEqual(lift[1][0].score, Float(log(1 / 0.75)), accuracy: 1e-6)
        XCTAssertEqual(build(.membership)[0].map(\.index), [0, 1, 2], "by P(like | cluster) the popular item ties and wins on index")
    }
}
