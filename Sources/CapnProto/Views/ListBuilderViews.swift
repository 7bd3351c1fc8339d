// SPDX-License-Identifier: Apache-2.0
// Copyright the swift-ocluster authors.

/// A list of primitives or Bools under construction.
public struct ScalarListBuilder<Element: CapnpScalar> {
    public let _list: ListBuilder
    @inlinable
    public init(_ list: ListBuilder) { _list = list }
    /// Number of elements.
    @inlinable
    public var count: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element {
        get { Element.read(from: _list, at: index) }
        nonmutating set { Element.write(newValue, to: _list, at: index) }
    }
}

/// A list of enums under construction.
public struct EnumListBuilder<Element: CapnpEnum> {
    public let _list: ListBuilder
    @inlinable
    public init(_ list: ListBuilder) { _list = list }
    /// Number of elements.
    @inlinable
    public var count: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element {
        get { Element(rawValue: _list.read(UInt16.self, at: index)) }
        nonmutating set { _list.write(newValue.rawValue, at: index) }
    }
}

/// A list of structs under construction.
public struct StructListBuilder<Element: StructBuilderView> {
    public let _list: ListBuilder
    @inlinable
    public init(_ list: ListBuilder) { _list = list }
    /// Number of elements.
    @inlinable
    public var count: Int { _list.count }
    @inlinable
    public subscript(index: Int) -> Element { Element(_list.structElement(index)) }
}

/// A list of pointers under construction.
public struct PointerListBuilder {
    public let _list: ListBuilder
    @inlinable
    public init(_ list: ListBuilder) { _list = list }
    /// Number of elements.
    @inlinable
    public var count: Int { _list.count }
    /// The slot of element `index`.
    @inlinable
    public subscript(index: Int) -> AnyPointerBuilder { _list.pointerElement(index) }
}

extension AnyPointerBuilder {
    /// Writes a list of scalars.
    @inlinable
    public func setScalars<Element: CapnpScalar>(_ values: some Collection<Element>) {
        let list = initList(elementSize: Element.elementSize, count: values.count)
        for (index, value) in values.enumerated() { Element.write(value, to: list, at: index) }
    }

    /// Writes a list of enums.
    @inlinable
    public func setEnums<Element: CapnpEnum>(_ values: some Collection<Element>) {
        let list = initList(elementSize: .twoBytes, count: values.count)
        for (index, value) in values.enumerated() { list.write(value.rawValue, at: index) }
    }

    /// Writes a list of texts.
    @inlinable
    public func setTexts(_ values: some Collection<String>) {
        let list = initList(elementSize: .pointer, count: values.count)
        for (index, value) in values.enumerated() { list.pointerElement(index).setText(value) }
    }

    /// Writes a list of data blobs.
    @inlinable
    public func setDatas(_ values: some Collection<[UInt8]>) {
        let list = initList(elementSize: .pointer, count: values.count)
        for (index, value) in values.enumerated() { list.pointerElement(index).setData(value) }
    }
}
