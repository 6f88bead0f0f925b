import RecData
import RecInference
import RecMath
import RecModelFile

/// An error a command reports to its user, with one message they can act on.
public struct AppError: Error, CustomStringConvertible {
    public var description: String
    public init(_ message: String) { description = message }

    public static func wrap<T>(_ body: () throws -> T) throws(AppError) -> T {
        do { return try body() } catch let e as AppError { throw e } catch let e as DataError {
            throw AppError(e.description)
        } catch let e as ModelFileError {
            throw AppError(e.description)
        } catch let e as MathError {
            throw AppError(e.description)
        } catch {
            throw AppError("\(error)")
        }
    }
}
