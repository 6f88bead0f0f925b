import ArgumentParser
import Foundation

/// An option group whose options are named as the keys of a `Codable` configuration type, so that
/// the options given decode straight into that type over a base value: no setting is copied by
/// hand, and adding a setting is adding one option. `ModelOptions` → `ModelConfiguration`,
/// `CoordinatorTuningOptions` → `ClusterConfig.Coordinator`.
protocol ConfigurationOverrides: ParsableArguments {
    /// Options of the group that are not keys of the configuration.
    static var notSettings: Set<String> { get }
}

extension ConfigurationOverrides {
    static var notSettings: Set<String> { [] }

    /// The options given on the command line, by property name (an option left unset is nil and
    /// absent; a flag counts when it is on).
    var givenSettings: [String: any Encodable] {
        var given: [String: any Encodable] = [:]
        for child in Mirror(reflecting: self).children {
            // Property wrappers store their value as `_name`.
            guard let label = child.label, label.hasPrefix("_"), !Self.notSettings.contains(String(label.dropFirst())),
                let option = child.value as? any GivenSetting, let value = option.givenValue
            else { continue }
            given[String(label.dropFirst())] = value
        }
        return given
    }

    /// `base` with the given options in place of its values, decoded through the type's `Codable`
    /// form (so its own decoding checks apply). An option whose name is not one of the type's keys
    /// is a programming error reported as a validation error, never a silently ignored flag.
    func decode<Configuration: Codable>(over base: Configuration) throws -> Configuration {
        // The configuration's settings are its stored properties (their names are its coding keys);
        // every option of the group must name one, given or not.
        let settings = Set(Mirror(reflecting: base).children.compactMap(\.label))
        let options = Mirror(reflecting: self).children.compactMap { $0.label?.hasPrefix("_") == true ? String($0.label!.dropFirst()) : nil }
        if let unknown = options.filter({ !Self.notSettings.contains($0) }).sorted().first(where: { !settings.contains($0) }) {
            throw ValidationError("the option \(unknown) names no setting of \(Configuration.self)")
        }
        let given = givenSettings
        guard !given.isEmpty else { return base }
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(base)) as? [String: Any] ?? [:]
        for (key, value) in given {
            object[key] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: .fragmentsAllowed)
        }
        do {
            return try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: object))
        } catch {
            throw ValidationError("the options do not form a valid \(Configuration.self): \(error)")
        }
    }
}

/// An `@Option` or `@Flag` whose parsed value can be read without knowing its type.
protocol GivenSetting {
    /// The value the command line gave, or nil when it gave none.
    var givenValue: (any Encodable)? { get }
}

extension Option: GivenSetting where Value: Encodable {
    var givenValue: (any Encodable)? {
        if let optional = wrappedValue as? any OptionalValue { return optional.wrappedEncodable }
        return wrappedValue
    }
}

extension Flag: GivenSetting where Value == Bool {
    var givenValue: (any Encodable)? { wrappedValue ? true : nil }
}

private protocol OptionalValue {
    var wrappedEncodable: (any Encodable)? { get }
}

extension Optional: OptionalValue where Wrapped: Encodable {
    var wrappedEncodable: (any Encodable)? { self }
}
